SELECT
    report_type,
    period,
    province_code,
    province_name_zh,
    province_name_en,
    metric,
    metric_label_zh,
    unit,
    value_type,
    value,
    value_integer,
    submission_id,
    source,
    source_row
FROM intermediate.int_unit_figures
WHERE is_province_row
