-- For each report type, period (any that a file arrived for) and metric: the sum over the
-- provinces' own rows in force, how many of the provinces that covers, and which are missing.
-- A province that did not report, or left the cell blank, is missing: never counted as zero.
-- An integer metric's sum is an integer too (value_integer); the metric's label and unit beside it.
-- Beside the sum of every figure, how many of them are under review flags not yet decided (open
-- or explained), the sum without them, and the headline sum: without the figures such a flag holds
-- out (intermediate.int_review_flags). A returned file's figures are not in force: its province is
-- missing.
WITH periods AS (
    SELECT DISTINCT report_type, period
    FROM staging.stg_submissions
    WHERE report_type IS NOT NULL AND period IS NOT NULL
),

grid AS (
    SELECT
        pe.report_type, pe.period, m.metric, m.label_zh, m.unit, m.value_type, m.position, p.province_code
    FROM periods AS pe
    JOIN staging.stg_metrics AS m ON m.report_type = pe.report_type
    CROSS JOIN staging.stg_provinces AS p
),

under_review AS (
    SELECT report_type, period, province_code, metric, bool_or(holds_figure_out) AS held_out
    FROM intermediate.int_review_flags
    WHERE state IN ('open', 'explained') AND org_unit_code = province_code
    GROUP BY report_type, period, province_code, metric
),

filled AS (
    SELECT
        g.*,
        f.value,
        r.province_code IS NOT NULL AS flagged,
        coalesce(r.held_out, FALSE) AS held_out
    FROM grid AS g
    LEFT JOIN intermediate.int_figures_in_force AS f
        ON f.is_province_row
        AND f.report_type = g.report_type
        AND f.period = g.period
        AND f.province_code = g.province_code
        AND f.metric = g.metric
    LEFT JOIN under_review AS r
        ON r.report_type = g.report_type
        AND r.period = g.period
        AND r.province_code = g.province_code
        AND r.metric = g.metric
)

SELECT
    report_type,
    period,
    metric,
    label_zh AS metric_label_zh,
    unit,
    value_type,
    sum(value) AS value,
    CASE WHEN value_type = 'integer' THEN CAST(sum(value) AS BIGINT) END AS value_integer,
    count(value) AS provinces_reported,
    coalesce(
        CAST(array_agg(province_code ORDER BY province_code) FILTER (WHERE value IS NULL) AS TEXT []),
        CAST(ARRAY[] AS TEXT [])
    ) AS provinces_missing,
    min(position) AS metric_position,
    count(value) FILTER (WHERE flagged) AS provinces_flagged,
    sum(value) FILTER (WHERE NOT flagged) AS value_excluding_flagged,
    count(value) FILTER (WHERE held_out) AS provinces_held_out,
    sum(value) FILTER (WHERE NOT held_out) AS value_headline
FROM filled
GROUP BY report_type, period, metric, label_zh, unit, value_type
