-- The ledger: one row per file version seen, keyed by location and content hash.
-- A row here means the file got its answer; identical bytes at the same place are never re-read.
-- Whether an accepted file is still in force is derived (staging.stg_submissions), not stored.
CREATE TABLE IF NOT EXISTS ingest.submissions (
    submission_id     VARCHAR PRIMARY KEY,
    source            VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    size_bytes        BIGINT NOT NULL,
    received_at       TIMESTAMP NOT NULL,   -- UTC: the file's modification time
    processed_at      TIMESTAMP NOT NULL,   -- UTC
    report_type       VARCHAR,              -- null when the file could not be read
    province_code     VARCHAR,              -- null when the path names no province
    period            VARCHAR,
    outcome           VARCHAR NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    reason            VARCHAR,              -- every failed rule, one per line
    rows_read         INTEGER,
    raw_location      VARCHAR NOT NULL,
    result_location   VARCHAR NOT NULL,
    parquet_location  VARCHAR,
    UNIQUE (source, sha256)
);
