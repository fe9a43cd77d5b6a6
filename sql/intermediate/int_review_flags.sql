-- Every review flag, one model per kind of check (outliers against history, reconciliation of
-- payment records with their summary), each with an id a reviewer can name and its status: open
-- until a reviewer confirms it (staging.stg_flag_confirmations). An open factor_of_10 flag on a
-- province's own money figure (a metric in yuan) holds that figure out of the headline national
-- figure: a yuan-for-10k-yuan slip multiplies the total it enters by up to ten thousand.
WITH flags AS (
    SELECT
        report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
        detail_en, detail_zh, submission_id
    FROM intermediate.int_outlier_flags
    UNION ALL
    SELECT
        report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
        detail_en, detail_zh, submission_id
    FROM intermediate.int_reconciliation_flags
    UNION ALL
    SELECT
        report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
        detail_en, detail_zh, submission_id
    FROM intermediate.int_flags_from_warning_rules
)

SELECT
    f.report_type, f.period, f.province_code, f.org_unit_code, f.metric, f.value, f.reference_value,
    f.rule, f.detail_en, f.detail_zh, f.submission_id,
    substr(md5(f.submission_id || '/' || f.org_unit_code || '/' || f.metric || '/' || f.rule), 1, 10) AS flag_id,
    CASE WHEN c.submission_id IS NULL THEN 'open' ELSE 'confirmed' END AS status,
    c.submission_id IS NULL
    AND f.rule = 'factor_of_10'
    AND f.org_unit_code = f.province_code
    AND coalesce(m.unit LIKE '%yuan%', FALSE) AS holds_figure_out,
    c.confirmed_by,
    c.confirmed_at,
    c.comment AS confirmation_comment
FROM flags AS f
LEFT JOIN staging.stg_flag_confirmations AS c
    ON c.submission_id = f.submission_id
    AND c.org_unit_code = f.org_unit_code
    AND c.metric = f.metric
    AND c.rule = f.rule
LEFT JOIN staging.stg_metrics AS m
    ON m.report_type = f.report_type AND m.metric = f.metric
