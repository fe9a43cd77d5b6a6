-- The national totals of each release past its instant, with mart.national_totals' columns.
SELECT
    release_id,
    report_type,
    period,
    metric,
    metric_label_zh,
    unit,
    value_type,
    value,
    value_integer,
    provinces_reported,
    provinces_missing,
    metric_position,
    provinces_flagged,
    value_headline
FROM intermediate.int_visible_totals
