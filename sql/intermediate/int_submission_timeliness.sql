-- Every file with its deadline (intermediate.int_period_deadlines) and whether it arrived before
-- it. A file whose report type or period is unknown, or whose report type declares no due day,
-- has no deadline: on_time null.
SELECT
    s.submission_id,
    s.report_type,
    s.province_code,
    s.period,
    s.status,
    s.received_at,
    d.due_at,
    d.locks_at,
    s.received_at < d.due_at AS on_time
FROM staging.stg_submissions AS s
LEFT JOIN intermediate.int_period_deadlines AS d
    ON d.report_type = s.report_type AND d.period = s.period
