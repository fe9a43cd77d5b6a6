-- PostgreSQL only (DuckDB has no triggers): a reviewer's decision on a review flag is never updated
-- or deleted, by anyone, the loader that owns core.flag_decisions included, as release rows are not
-- (10_releases_immutable.sql). Created only when missing, for the same reason.
DO $$
BEGIN
    IF to_regprocedure('core.refuse_changing_a_decision()') IS NULL THEN
        CREATE FUNCTION core.refuse_changing_a_decision() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            RAISE EXCEPTION 'reviewers'' decisions are final: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $f$;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'immutable' AND tgrelid = 'core.flag_decisions'::regclass
    ) THEN
        CREATE TRIGGER immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON core.flag_decisions
            FOR EACH STATEMENT EXECUTE FUNCTION core.refuse_changing_a_decision();
    END IF;
END
$$;
