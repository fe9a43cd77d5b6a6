SELECT
    report_type,
    period,
    province_code,
    province_name_zh,
    org_unit_code AS city_code,
    org_unit_name AS city_name,
    metric,
    metric_label_zh,
    unit,
    value,
    submission_id,
    source,
    source_row
FROM intermediate.int_unit_figures
WHERE NOT is_province_row
