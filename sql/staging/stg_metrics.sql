-- The declared metrics of each report type, as the last load refreshed them.
SELECT
    report_type,
    metric,
    label_zh,
    unit,
    value_type,
    position
FROM core.metrics
