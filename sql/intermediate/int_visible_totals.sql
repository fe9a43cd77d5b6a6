-- The national totals of every release past its instant, with whether the release is the latest.
SELECT
    r.release_id,
    r.report_type,
    r.period,
    r.is_latest,
    t.metric,
    t.metric_label_zh,
    t.unit,
    t.value_type,
    t.value,
    CASE WHEN t.value_type = 'integer' THEN CAST(t.value AS BIGINT) END AS value_integer,
    t.provinces_reported,
    CAST(t.provinces_missing AS TEXT []) AS provinces_missing,
    t.metric_position,
    t.provinces_flagged,
    t.value_headline
FROM intermediate.int_visible_releases AS r
JOIN staging.stg_released_totals AS t ON t.release_id = r.release_id
