SELECT
    f.report_type,
    f.period,
    f.province_code,
    p.name_zh AS province_name_zh,
    f.metric,
    m.label_zh AS metric_label_zh,
    m.unit,
    f.value,
    f.submission_id,
    f.source,
    f.source_row
FROM intermediate.int_figures_in_force AS f
JOIN staging.stg_provinces AS p ON p.province_code = f.province_code
JOIN staging.stg_metrics AS m ON m.report_type = f.report_type AND m.metric = f.metric
WHERE f.is_province_row
