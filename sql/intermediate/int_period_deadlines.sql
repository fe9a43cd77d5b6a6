-- The deadline rule, stated once: files of a report type for a period are due by the end of the
-- report type's declared due day, Beijing time (UTC+8), in the month after the period. received_at
-- is UTC, so the deadline is stated in UTC too. No due day declared: no deadline, due_at null.
-- One row for each report type and each period any file arrived for, or any reminder went out for
-- (reply/reminders.py: a period nobody has sent a file for yet is a period all the same).
SELECT DISTINCT
    s.report_type,
    s.period,
    CAST(s.period || '-01' AS DATE) + INTERVAL '1 month' + r.due_day * INTERVAL '1 day'
    - INTERVAL '8 hours' AS due_at
FROM (
    SELECT report_type, period FROM staging.stg_submissions
    UNION
    SELECT report_type, period FROM staging.stg_messages_sent WHERE kind IN ('reminder', 'overdue')
) AS s
JOIN staging.stg_report_types AS r ON r.report_type = s.report_type
WHERE s.period IS NOT NULL
