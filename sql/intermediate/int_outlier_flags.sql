-- Figures far from their own history (DHIS2's outlier analysis): each figure of the latest accepted
-- files (in force, or returned: intermediate.int_figures_accepted) against the same report type,
-- unit and metric in the periods before it. Two rules; a flag warns, it never
-- rejects, and a figure may trip both. Their thresholds are the report type's, declared
-- (staging.stg_review_rules), not written here; today's defaults in brackets.
--   factor_of_10: the threshold times the median of the previous periods or more (10), or that
--                 fraction of it or less: the yuan-for-10k-yuan slip and its reverse. Needs
--                 min_previous_periods previous periods (1).
--   robust_z:     the modified z-score 0.6745 × (value − median) / MAD beyond ±threshold (3.5,
--                 Iglewicz and Hoaglin). Needs min_previous_periods previous periods (3) and a MAD
--                 above zero.
WITH rules AS (
    SELECT
        report_type, rule, threshold, min_previous_periods,
        rtrim(rtrim(CAST(CAST(threshold AS DECIMAL(38, 4)) AS VARCHAR), '0'), '.') AS threshold_text
    FROM staging.stg_review_rules
),

figures AS (
    SELECT
        report_type, period, province_code, org_unit_code, metric, submission_id, value,
        CAST(value AS DOUBLE PRECISION) AS x
    FROM intermediate.int_figures_accepted
    WHERE value IS NOT NULL
),

history AS (
    SELECT c.report_type, c.period, c.org_unit_code, c.metric, h.x
    FROM figures AS c
    JOIN figures AS h
        ON h.report_type = c.report_type
        AND h.org_unit_code = c.org_unit_code
        AND h.metric = c.metric
        AND h.period < c.period
),

medians AS (
    SELECT
        report_type, period, org_unit_code, metric,
        count(*) AS previous_periods,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS median
    FROM history
    GROUP BY report_type, period, org_unit_code, metric
),

deviations AS (
    SELECT
        m.report_type, m.period, m.org_unit_code, m.metric,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(h.x - m.median)) AS mad
    FROM medians AS m
    JOIN history AS h
        ON h.report_type = m.report_type
        AND h.period = m.period
        AND h.org_unit_code = m.org_unit_code
        AND h.metric = m.metric
    GROUP BY m.report_type, m.period, m.org_unit_code, m.metric
),

scored AS (
    SELECT
        f.report_type, f.period, f.province_code, f.org_unit_code, f.metric, f.value, f.x,
        f.submission_id, m.median, m.previous_periods,
        CASE WHEN d.mad > 0 THEN 0.6745 * (f.x - m.median) / d.mad END AS robust_z,
        CAST(CAST(m.median AS DECIMAL(38, 2)) AS VARCHAR) AS median_text,
        CAST(CAST(f.value AS DECIMAL(38, 2)) AS VARCHAR) AS value_text,
        CASE WHEN m.median > 0 THEN CAST(CAST(f.x / m.median AS DECIMAL(38, 2)) AS VARCHAR) END AS ratio_text
    FROM figures AS f
    JOIN medians AS m
        ON m.report_type = f.report_type
        AND m.period = f.period
        AND m.org_unit_code = f.org_unit_code
        AND m.metric = f.metric
    JOIN deviations AS d
        ON d.report_type = f.report_type
        AND d.period = f.period
        AND d.org_unit_code = f.org_unit_code
        AND d.metric = f.metric
)

SELECT
    s.report_type, s.period, s.province_code, s.org_unit_code, s.metric, s.value,
    CAST(s.median AS DECIMAL(38, 4)) AS reference_value,
    'factor_of_10' AS rule,
    s.value_text || ' is ' || s.ratio_text || ' times the median ' || s.median_text || ' of ' || s.previous_periods
    || ' previous period(s): check the unit (yuan or 10k yuan) and the digits' AS detail_en,
    '数值' || s.value_text || '是此前' || s.previous_periods || '期中位数' || s.median_text || '的'
    || s.ratio_text || '倍，请核对单位（元/万元）和位数' AS detail_zh,
    s.submission_id
FROM scored AS s
JOIN rules AS r
    ON r.report_type = s.report_type AND r.rule = 'factor_of_10'
WHERE s.median > 0
    AND s.previous_periods >= r.min_previous_periods
    AND (s.x >= r.threshold * s.median OR s.x * r.threshold <= s.median)

UNION ALL

SELECT
    s.report_type, s.period, s.province_code, s.org_unit_code, s.metric, s.value,
    CAST(s.median AS DECIMAL(38, 4)) AS reference_value,
    'robust_z' AS rule,
    s.value_text || ' has a robust z-score of ' || CAST(CAST(s.robust_z AS DECIMAL(38, 1)) AS VARCHAR)
    || ' against the median ' || s.median_text || ' of ' || s.previous_periods
    || ' previous periods (flagged beyond ±' || r.threshold_text || ')' AS detail_en,
    '数值' || s.value_text || '相对此前' || s.previous_periods || '期中位数' || s.median_text || '的稳健Z值为'
    || CAST(CAST(s.robust_z AS DECIMAL(38, 1)) AS VARCHAR) || '（超过±' || r.threshold_text || '需复核）' AS detail_zh,
    s.submission_id
FROM scored AS s
JOIN rules AS r
    ON r.report_type = s.report_type AND r.rule = 'robust_z'
WHERE s.previous_periods >= r.min_previous_periods AND abs(s.robust_z) > r.threshold
