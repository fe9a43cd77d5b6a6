-- Every national and province figure of a release (past its instant) that differs from the
-- previous release; a national figure has no province.
SELECT
    r.report_type,
    r.period,
    CASE WHEN c.province_code = '' THEN 'national' ELSE 'province' END AS level,
    nullif(c.province_code, '') AS province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    c.metric,
    c.old_value,
    c.new_value,
    c.previous_release_id,
    c.release_id,
    r.released_at AT TIME ZONE 'UTC' AS released_at
FROM intermediate.int_visible_releases AS r
JOIN staging.stg_release_changes AS c ON c.release_id = r.release_id
LEFT JOIN staging.stg_provinces AS p ON p.province_code = c.province_code
