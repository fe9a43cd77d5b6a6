-- Review flags from reconciling each province's latest accepted payment records with its latest
-- accepted summary for the same period (in force, or returned: a returned file keeps its flags;
-- staging.stg_beneficiary_categories says which summary metric each category and the funds
-- reconcile with). A flag asks a person to look; it rejects nothing.
--   paid_not_above_funds: the payments (in 10k yuan) add up to more than the summary's funds.
--   beneficiaries_match_count: a category's distinct beneficiaries differ from the summary's
--     count by more than the declared tolerance (5%).
-- Nothing is flagged while the summary, or the compared figure in it, is missing.
WITH records AS (
    SELECT d.*, c.summary_report_type, c.summary_metric, c.funds_metric, c.count_tolerance
    FROM intermediate.int_disbursements_accepted AS d
    JOIN staging.stg_beneficiary_categories AS c
        ON c.report_type = d.report_type AND c.category = d.beneficiary_category
),

summary AS (
    SELECT report_type, period, province_code, metric, value
    FROM intermediate.int_figures_accepted
    WHERE is_province_row
),

paid AS (
    SELECT
        report_type, period, province_code, submission_id, summary_report_type, funds_metric,
        sum(amount_yuan) / 10000 AS value
    FROM records
    GROUP BY report_type, period, province_code, submission_id, summary_report_type, funds_metric
),

counted AS (
    SELECT
        p.report_type, p.period, p.province_code, p.submission_id, p.summary_report_type,
        c.category, c.summary_metric, c.count_tolerance,
        count(DISTINCT r.beneficiary_pseudonym) AS value
    FROM paid AS p
    JOIN staging.stg_beneficiary_categories AS c
        ON c.report_type = p.report_type
    LEFT JOIN records AS r
        ON r.submission_id = p.submission_id AND r.beneficiary_category = c.category
    GROUP BY
        p.report_type, p.period, p.province_code, p.submission_id, p.summary_report_type,
        c.category, c.summary_metric, c.count_tolerance
)

SELECT
    p.report_type,
    p.period,
    p.province_code,
    p.province_code AS org_unit_code,
    p.funds_metric AS metric,
    CAST(p.value AS DECIMAL(38, 4)) AS value,
    CAST(s.value AS DECIMAL(38, 4)) AS reference_value,
    'paid_not_above_funds' AS rule,
    'payments add up to ' || CAST(round(p.value, 4) AS VARCHAR) || ' (10k yuan), above the summary''s '
        || p.funds_metric || ' of ' || CAST(round(s.value, 4) AS VARCHAR) AS detail_en,
    '发放明细合计' || CAST(round(p.value, 4) AS VARCHAR) || '万元，超过汇总表资金总额'
        || CAST(round(s.value, 4) AS VARCHAR) || '万元' AS detail_zh,
    p.submission_id
FROM paid AS p
JOIN summary AS s
    ON s.report_type = p.summary_report_type
    AND s.period = p.period
    AND s.province_code = p.province_code
    AND s.metric = p.funds_metric
WHERE p.value > s.value

UNION ALL

SELECT
    c.report_type,
    c.period,
    c.province_code,
    c.province_code AS org_unit_code,
    c.summary_metric AS metric,
    CAST(c.value AS DECIMAL(38, 4)) AS value,
    CAST(s.value AS DECIMAL(38, 4)) AS reference_value,
    'beneficiaries_match_count' AS rule,
    CAST(c.value AS VARCHAR) || ' distinct ' || c.category || ' beneficiaries paid, the summary''s '
        || c.summary_metric || ' is ' || CAST(CAST(s.value AS BIGINT) AS VARCHAR)
        || ' (more than ' || CAST(CAST(c.count_tolerance * 100 AS INTEGER) AS VARCHAR) || '% apart)' AS detail_en,
    '发放明细中' || c.category || '类对象' || CAST(c.value AS VARCHAR) || '人，汇总表为'
        || CAST(CAST(s.value AS BIGINT) AS VARCHAR) || '人（相差超过'
        || CAST(CAST(c.count_tolerance * 100 AS INTEGER) AS VARCHAR) || '%）' AS detail_zh,
    c.submission_id
FROM counted AS c
JOIN summary AS s
    ON s.report_type = c.summary_report_type
    AND s.period = c.period
    AND s.province_code = c.province_code
    AND s.metric = c.summary_metric
WHERE abs(c.value - s.value) > c.count_tolerance * s.value
