-- The national totals frozen in each release.
SELECT
    release_id,
    metric,
    metric_label_zh,
    unit,
    value_type,
    metric_position,
    value,
    provinces_reported,
    provinces_missing,
    provinces_flagged,
    value_headline
FROM core.released_totals
