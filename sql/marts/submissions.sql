SELECT
    s.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    s.period,
    s.report_type,
    s.source,
    s.status,
    coalesce(s.reason, r.reason) AS reason,
    s.received_at AT TIME ZONE 'UTC' AS received_at,
    s.processed_at AT TIME ZONE 'UTC' AS processed_at,
    s.rows_read,
    s.sha256,
    s.size_bytes,
    s.submission_id,
    s.superseded_by,
    s.result_location,
    s.raw_location,
    s.parquet_location,
    t.due_at AT TIME ZONE 'UTC' AS due_at,
    t.on_time,
    t.locks_at AT TIME ZONE 'UTC' AS locks_at
FROM staging.stg_submissions AS s
LEFT JOIN staging.stg_provinces AS p
    ON p.province_code = s.province_code
JOIN intermediate.int_submission_timeliness AS t
    ON t.submission_id = s.submission_id
LEFT JOIN intermediate.int_returned_submissions AS r
    ON r.submission_id = s.submission_id
