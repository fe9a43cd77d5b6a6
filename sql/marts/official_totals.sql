-- The official national figure: per report type, period and metric, the latest release past its
-- instant. mart.national_totals stays the live, provisional figure.
SELECT
    report_type,
    period,
    metric,
    metric_label_zh,
    unit,
    value_type,
    value,
    value_integer,
    provinces_reported,
    provinces_missing,
    release_id,
    metric_position
FROM intermediate.int_visible_totals
WHERE is_latest
