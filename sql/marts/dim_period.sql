-- One row per report type and period any file or reminder went out for: the period's calendar,
-- and its deadline and lock as intermediate.int_period_deadlines states them (the rules are written only there).
SELECT
    report_type,
    period,
    CAST(period || '-01' AS DATE) AS start_date,
    CAST(CAST(period || '-01' AS DATE) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS end_date,
    CAST(extract(YEAR FROM CAST(period || '-01' AS DATE)) AS INTEGER) AS year,
    CAST(extract(QUARTER FROM CAST(period || '-01' AS DATE)) AS INTEGER) AS quarter,
    CAST(extract(MONTH FROM CAST(period || '-01' AS DATE)) AS INTEGER) AS month,
    CAST((due_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' - INTERVAL '1 second' AS DATE) AS due_date,
    due_at AT TIME ZONE 'UTC' AS due_at,
    locks_at AT TIME ZONE 'UTC' AS locks_at
FROM intermediate.int_period_deadlines
