-- PostgreSQL only (DuckDB has no triggers): release rows are never updated or deleted, by anyone,
-- the loader that owns the tables included (an owner is not bound by grants, but is by a trigger).
-- Applied after sql/ddl on every load. Created only when missing, so a load acting as another role
-- than the one that first created them (sql/roles) never needs to own them.
DO $$
DECLARE
    name text;
BEGIN
    IF to_regprocedure('core.refuse_changing_a_release()') IS NULL THEN
        CREATE FUNCTION core.refuse_changing_a_release() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            RAISE EXCEPTION 'releases are immutable: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $f$;
    END IF;
    FOREACH name IN ARRAY ARRAY[
        'releases', 'released_totals', 'released_province_figures', 'release_changes', 'release_decisions'
    ] LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_trigger WHERE tgname = 'immutable' AND tgrelid = format('core.%I', name)::regclass
        ) THEN
            -- For each statement: even one that would touch no row is refused.
            EXECUTE format(
                'CREATE TRIGGER immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON core.%I '
                'FOR EACH STATEMENT EXECUTE FUNCTION core.refuse_changing_a_release()', name);
        END IF;
    END LOOP;
END
$$;
