-- The figures of each report type, province and period's latest accepted file: the file in force,
-- or the one a reviewer returned (staging.stg_submissions), with whether it was returned, and
-- whether each row is the province's own row (code XX0000, the one that adds into national totals)
-- or a city breakdown. Review flags are found here, so a returned file keeps its flags on record.
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
    f.source_row,
    s.status = 'returned' AS returned
FROM staging.stg_figures AS f
JOIN staging.stg_submissions AS s
    ON s.submission_id = f.submission_id
WHERE s.status IN ('accepted', 'returned')
