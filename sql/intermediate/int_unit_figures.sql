-- The figures in force, every unit's (the province's own row and its cities'), with the names
-- and labels people read: the one model behind mart.province_figures and mart.city_figures,
-- which differ only in which rows they keep.
SELECT
    f.report_type,
    f.period,
    f.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    f.org_unit_code,
    f.org_unit_name,
    f.is_province_row,
    f.metric,
    m.label_zh AS metric_label_zh,
    m.unit,
    m.value_type,
    f.value,
    CASE WHEN m.value_type = 'integer' THEN CAST(f.value AS BIGINT) END AS value_integer,
    f.submission_id,
    f.source,
    f.source_row
FROM intermediate.int_figures_in_force AS f
JOIN staging.stg_provinces AS p ON p.province_code = f.province_code
JOIN staging.stg_metrics AS m ON m.report_type = f.report_type AND m.metric = f.metric
