-- Who may do what in the PostgreSQL warehouse. Run by an administrator
-- (python -m provincial_reports.cli roles), before or after loads, as often as wanted: idempotent.
-- Passwords are set outside this file (ALTER ROLE … PASSWORD by the operator, or the deployment's
-- secrets): none are kept in the repo.
--
--   reports_loader   the pipeline: creates and writes every schema
--   reports_bi       BI tools: SELECT on mart only (staging and intermediate are the loader's: the
--                    mart views read them with their owner's rights)
--   reports_auditor  auditors: mart, plus the ledger (every file's answer and validation result location)

-- As the administrator who logged in, not as the loader our connections otherwise act as
-- (stores/warehouse.py, ACT_AS_LOADER).
RESET ROLE;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reports_loader') THEN
        CREATE ROLE reports_loader LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reports_bi') THEN
        CREATE ROLE reports_bi LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reports_auditor') THEN
        CREATE ROLE reports_auditor LOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO reports_loader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO reports_bi, reports_auditor', current_database());
END
$$;

-- Nobody but the loader creates anything in the public schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS ingest AUTHORIZATION reports_loader;
CREATE SCHEMA IF NOT EXISTS core AUTHORIZATION reports_loader;
CREATE SCHEMA IF NOT EXISTS staging AUTHORIZATION reports_loader;
CREATE SCHEMA IF NOT EXISTS intermediate AUTHORIZATION reports_loader;
CREATE SCHEMA IF NOT EXISTS mart AUTHORIZATION reports_loader;

-- One owner for everything: loads made before this file ran (as an administrator) left schemas,
-- tables and views owned by whoever ran them; they become the loader's, which every later load
-- acts as (stores/warehouse.py, ACT_AS_LOADER), so the default privileges below hold.
DO $$
DECLARE
    found record;
BEGIN
    FOR found IN
        SELECT n.nspname AS schema_name, c.relname AS name,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('ingest', 'core', 'staging', 'intermediate', 'mart')
            AND c.relkind IN ('r', 'p', 'v', 'm')
    LOOP
        EXECUTE format('ALTER %s %I.%I OWNER TO reports_loader', found.kind, found.schema_name, found.name);
    END LOOP;
END
$$;
ALTER SCHEMA ingest OWNER TO reports_loader;
ALTER SCHEMA core OWNER TO reports_loader;
ALTER SCHEMA staging OWNER TO reports_loader;
ALTER SCHEMA intermediate OWNER TO reports_loader;
ALTER SCHEMA mart OWNER TO reports_loader;

GRANT USAGE ON SCHEMA mart TO reports_bi, reports_auditor;
GRANT USAGE ON SCHEMA ingest TO reports_auditor;

-- Every load drops and re-creates the mart views as the loader; default privileges re-grant them.
ALTER DEFAULT PRIVILEGES FOR ROLE reports_loader IN SCHEMA mart GRANT SELECT ON TABLES TO reports_bi, reports_auditor;
ALTER DEFAULT PRIVILEGES FOR ROLE reports_loader IN SCHEMA ingest GRANT SELECT ON TABLES TO reports_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA mart TO reports_bi, reports_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA ingest TO reports_auditor;
