-- The province figures behind each release past its instant, each with its file: the drill-down
-- from a released national figure to the files.
SELECT
    r.release_id,
    r.report_type,
    r.period,
    f.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    f.metric,
    f.value,
    f.under_review,
    f.submission_id,
    f.source,
    f.sha256,
    f.received_at AT TIME ZONE 'UTC' AS received_at,
    f.on_time,
    f.result_location
FROM intermediate.int_visible_releases AS r
JOIN staging.stg_released_province_figures AS f ON f.release_id = r.release_id
LEFT JOIN staging.stg_provinces AS p ON p.province_code = f.province_code
