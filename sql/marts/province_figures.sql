SELECT
    report_type,
    period,
    province_code,
    province_name_zh,
    metric,
    metric_label_zh,
    unit,
    value,
    submission_id,
    source,
    source_row
FROM intermediate.int_unit_figures
WHERE is_province_row
