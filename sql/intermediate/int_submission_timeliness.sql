-- Every file with its deadline and whether it arrived before it. The deadline is the end of the
-- report type's declared due day, Beijing time (UTC+8), in the month after the period; received_at
-- is UTC, so the deadline is stated in UTC too. No due day declared: no deadline, on_time null.
SELECT
    s.submission_id,
    s.report_type,
    s.province_code,
    s.period,
    s.status,
    s.received_at,
    d.due_at,
    s.received_at < d.due_at AS on_time
FROM staging.stg_submissions AS s
LEFT JOIN (
    SELECT
        s.submission_id,
        CAST(s.period || '-01' AS DATE) + INTERVAL '1 month' + r.due_day * INTERVAL '1 day'
        - INTERVAL '8 hours' AS due_at
    FROM staging.stg_submissions AS s
    JOIN staging.stg_report_types AS r ON r.report_type = s.report_type
    WHERE s.period IS NOT NULL AND r.due_day IS NOT NULL
) AS d ON d.submission_id = s.submission_id
