-- Every failed rule of every file, in words.
SELECT
    submission_id,
    position,
    rule,
    severity,
    column_name,
    source_rows,
    zh,
    en
FROM ingest.findings
