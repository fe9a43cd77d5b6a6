-- Every rule checked on every file, for data-quality charts: pass rates by rule, column, province.
SELECT
    v.submission_id,
    s.report_type,
    s.province_code,
    s.period,
    s.source,
    s.status,
    s.received_at AT TIME ZONE 'UTC' AS received_at,
    v.position,
    v.expectation,
    v.column_name,
    v.success,
    v.unexpected_count,
    v.offending_sample
FROM staging.stg_validation_results AS v
JOIN staging.stg_submissions AS s ON s.submission_id = v.submission_id
