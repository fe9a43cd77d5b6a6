-- One row per rule checked on a file, as taken from its validation result document.
SELECT
    submission_id,
    position,
    expectation,
    column_name,
    success,
    unexpected_count,
    offending_sample
FROM ingest.validation_results
