-- The figures of the submissions in force, with whether each row is the province's own row
-- (code XX0000, the one that adds into national totals) or a city breakdown.
SELECT
    f.report_type,
    f.period,
    f.province_code,
    f.org_unit_code,
    f.org_unit_name,
    f.org_unit_code = f.province_code AS is_province_row,
    f.metric,
    f.value,
    f.submission_id,
    s.source,
    f.source_row
FROM staging.stg_figures AS f
JOIN staging.stg_submissions AS s
    ON s.submission_id = f.submission_id
WHERE s.status = 'accepted'
