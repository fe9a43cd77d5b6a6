-- The declared lock of each report type that declares one, as the last load refreshed it.
SELECT
    report_type,
    lock_after_days
FROM core.lock_rules
