-- Figures far from their own history (DHIS2's outlier analysis): each figure in force against the
-- same report type, unit and metric in the periods before it. Two rules; a flag warns, it never
-- rejects, and a figure may trip both.
--   factor_of_10: 10 times the median of the previous periods or more, or a tenth of it or less:
--                 the yuan-for-10k-yuan slip and its reverse. Needs one previous period.
--   robust_z:     the modified z-score 0.6745 × (value − median) / MAD beyond ±3.5 (Iglewicz and
--                 Hoaglin). Needs three previous periods and a MAD above zero.
WITH figures AS (
    SELECT
        report_type, period, province_code, org_unit_code, metric, submission_id, value,
        CAST(value AS DOUBLE PRECISION) AS x
    FROM intermediate.int_figures_in_force
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
    report_type, period, province_code, org_unit_code, metric, value,
    CAST(median AS DECIMAL(38, 4)) AS reference_value,
    'factor_of_10' AS rule,
    value_text || ' is ' || ratio_text || ' times the median ' || median_text || ' of ' || previous_periods
    || ' previous period(s): check the unit (yuan or 10k yuan) and the digits' AS detail_en,
    '数值' || value_text || '是此前' || previous_periods || '期中位数' || median_text || '的'
    || ratio_text || '倍，请核对单位（元/万元）和位数' AS detail_zh,
    submission_id
FROM scored
WHERE median > 0 AND (x >= 10 * median OR x * 10 <= median)

UNION ALL

SELECT
    report_type, period, province_code, org_unit_code, metric, value,
    CAST(median AS DECIMAL(38, 4)) AS reference_value,
    'robust_z' AS rule,
    value_text || ' has a robust z-score of ' || CAST(CAST(robust_z AS DECIMAL(38, 1)) AS VARCHAR)
    || ' against the median ' || median_text || ' of ' || previous_periods
    || ' previous periods (flagged beyond ±3.5)' AS detail_en,
    '数值' || value_text || '相对此前' || previous_periods || '期中位数' || median_text || '的稳健Z值为'
    || CAST(CAST(robust_z AS DECIMAL(38, 1)) AS VARCHAR) || '（超过±3.5需复核）' AS detail_zh,
    submission_id
FROM scored
WHERE previous_periods >= 3 AND abs(robust_z) > 3.5
