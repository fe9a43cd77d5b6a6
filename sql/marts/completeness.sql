-- For each report type, period (any that a file or a reminder went out for) and province: what
-- the province has sent, and when it was reminded; a file a reviewer returned leaves the province
-- without a file in force, `returned`, with the reviewer's reason; files that all came after the
-- period's lock leave it `locked`. A file the pipeline could not
-- read names no report type; it counts as an attempt for every report type of its province and period.
WITH periods AS (
    SELECT report_type, period, due_at
    FROM intermediate.int_period_deadlines
),

files AS (
    SELECT
        pe.report_type, pe.period, t.province_code,
        count(*) AS files,
        count(*) FILTER (WHERE t.status = 'locked') AS locked_files,
        max(t.received_at) AS last_received_at
    FROM periods AS pe
    JOIN intermediate.int_submission_timeliness AS t
        ON t.period = pe.period AND (t.report_type = pe.report_type OR t.report_type IS NULL)
    GROUP BY pe.report_type, pe.period, t.province_code
),

reminded AS (
    SELECT
        report_type, period, province_code,
        count(*) FILTER (WHERE kind = 'reminder') AS reminders_sent,
        max(sent_at) FILTER (WHERE kind = 'reminder') AS last_reminded_at,
        count(*) FILTER (WHERE kind = 'overdue') AS overdue_notices_sent,
        max(sent_at) FILTER (WHERE kind = 'overdue') AS last_overdue_notice_at
    FROM staging.stg_messages_sent
    WHERE kind IN ('reminder', 'overdue')
    GROUP BY report_type, period, province_code
),

in_force AS (
    SELECT report_type, period, province_code, submission_id, received_at, on_time
    FROM intermediate.int_submission_timeliness
    WHERE status = 'accepted'
)

SELECT
    pe.report_type,
    pe.period,
    p.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    CASE
        WHEN i.submission_id IS NOT NULL AND f.files > 1 THEN 'resubmitted'
        WHEN i.submission_id IS NOT NULL THEN 'accepted'
        WHEN ret.submission_id IS NOT NULL THEN 'returned'
        WHEN f.files > 0 AND f.locked_files = f.files THEN 'locked'
        WHEN f.files > 0 THEN 'rejected'
        ELSE 'missing'
    END AS status,
    i.on_time,
    ret.reason AS returned_reason,
    pe.due_at AT TIME ZONE 'UTC' AS due_at,
    coalesce(f.files, 0) AS files,
    i.submission_id,
    i.received_at AT TIME ZONE 'UTC' AS received_at,
    f.last_received_at AT TIME ZONE 'UTC' AS last_received_at,
    coalesce(r.reminders_sent, 0) AS reminders_sent,
    r.last_reminded_at AT TIME ZONE 'UTC' AS last_reminded_at,
    coalesce(r.overdue_notices_sent, 0) AS overdue_notices_sent,
    r.last_overdue_notice_at AT TIME ZONE 'UTC' AS last_overdue_notice_at
FROM periods AS pe
CROSS JOIN staging.stg_provinces AS p
LEFT JOIN files AS f
    ON f.report_type = pe.report_type AND f.period = pe.period AND f.province_code = p.province_code
LEFT JOIN in_force AS i
    ON i.report_type = pe.report_type AND i.period = pe.period AND i.province_code = p.province_code
LEFT JOIN intermediate.int_returned_submissions AS ret
    ON ret.report_type = pe.report_type AND ret.period = pe.period AND ret.province_code = p.province_code
LEFT JOIN reminded AS r
    ON r.report_type = pe.report_type AND r.period = pe.period AND r.province_code = p.province_code
