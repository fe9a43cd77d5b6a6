-- The report types as declared (title, due day), refreshed on every load like core.metrics.
CREATE TABLE IF NOT EXISTS core.report_types (
    report_type  VARCHAR PRIMARY KEY,
    title_zh     VARCHAR NOT NULL,
    title_en     VARCHAR NOT NULL,
    due_day      INTEGER              -- files due by the end of this day (Beijing time) of the next month
);

-- One row per rule checked on a file (GX expectations and contract checks alike), taken from the
-- file's validation result document in the lake when its answer is loaded.
CREATE TABLE IF NOT EXISTS ingest.validation_results (
    submission_id     VARCHAR NOT NULL,
    position          INTEGER NOT NULL,   -- the rule's place in the result document
    expectation       VARCHAR NOT NULL,   -- GX expectation type, or contract:<check>
    column_name       VARCHAR,
    success           BOOLEAN NOT NULL,
    unexpected_count  BIGINT,
    offending_sample  VARCHAR,            -- up to 10 offending values or findings, as a JSON array
    PRIMARY KEY (submission_id, position)
);
