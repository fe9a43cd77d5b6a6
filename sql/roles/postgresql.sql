-- Who may do what in the PostgreSQL warehouse. Run once per database by an administrator
-- (python -m provincial_reports.cli roles); idempotent. Passwords are set outside this file
-- (ALTER ROLE … PASSWORD by the operator, or the deployment's secrets): none are kept in the repo.
--
--   reports_loader   the pipeline: creates and writes every schema
--   reports_bi       BI tools: SELECT on mart only (staging and intermediate are the loader's: the
--                    mart views read them with their owner's rights)
--   reports_auditor  auditors: mart, plus the ledger (every file's answer and validation result location)
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

GRANT USAGE ON SCHEMA mart TO reports_bi, reports_auditor;
GRANT USAGE ON SCHEMA ingest TO reports_auditor;

-- The loader drops and recreates the mart views on every load; default privileges re-grant them.
ALTER DEFAULT PRIVILEGES FOR ROLE reports_loader IN SCHEMA mart GRANT SELECT ON TABLES TO reports_bi, reports_auditor;
ALTER DEFAULT PRIVILEGES FOR ROLE reports_loader IN SCHEMA ingest GRANT SELECT ON TABLES TO reports_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA mart TO reports_bi, reports_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA ingest TO reports_auditor;
