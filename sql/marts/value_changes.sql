SELECT
    v.report_type,
    v.period,
    v.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    v.org_unit_code,
    v.org_unit_name,
    v.metric,
    m.label_zh AS metric_label_zh,
    m.unit,
    v.change,
    v.old_value,
    v.new_value,
    v.old_submission_id,
    v.old_source,
    v.old_received_at AT TIME ZONE 'UTC' AS old_received_at,
    v.new_submission_id,
    v.new_source,
    v.new_received_at AT TIME ZONE 'UTC' AS changed_at,
    v.new_processed_at AT TIME ZONE 'UTC' AS recorded_at
FROM intermediate.int_value_changes AS v
LEFT JOIN staging.stg_provinces AS p ON p.province_code = v.province_code
LEFT JOIN staging.stg_metrics AS m ON m.report_type = v.report_type AND m.metric = v.metric
