-- A province's explanation of a warning on one of its figures (强制上报说明), from an explanation
-- file uploaded beside the submission or from the sheet 说明 of an XLSX submission: one row per
-- explained figure (the submission, the unit, the metric) and file carrying it. The latest
-- received explains the figure; earlier ones stay on record. Never updated or deleted.
CREATE TABLE IF NOT EXISTS ingest.explanations (
    submission_id  VARCHAR NOT NULL,     -- the submission explained (mart.submissions)
    org_unit_code  VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,     -- the metric's English name
    explanation    VARCHAR NOT NULL,
    explained_by   VARCHAR NOT NULL,
    explained_at   TIMESTAMP NOT NULL,   -- UTC: when the file carrying it was received
    source_id      VARCHAR NOT NULL,     -- the file carrying it: its own id in the ledger
    PRIMARY KEY (submission_id, org_unit_code, metric, source_id)
);
