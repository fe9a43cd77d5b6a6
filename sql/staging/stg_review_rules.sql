-- The review thresholds of each report type, as the last load refreshed them from the
-- declarations (defaults where a report type declares none).
SELECT
    report_type,
    rule,
    threshold,
    min_previous_periods
FROM core.review_rules
