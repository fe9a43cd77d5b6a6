-- The figures of the submissions in force: the latest accepted files, but those a reviewer returned.
SELECT
    report_type,
    period,
    province_code,
    org_unit_code,
    org_unit_name,
    is_province_row,
    metric,
    value,
    submission_id,
    source,
    source_row
FROM intermediate.int_figures_accepted
WHERE NOT returned
