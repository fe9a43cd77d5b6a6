-- Every review flag, one model per kind of check (outliers against history, reconciliation of
-- payment records with their summary, the warning rules a file failed), each with an id a reviewer can name and its state: open,
-- explained once its province explained the figure (staging.stg_explanations, the latest
-- explanation of the file's unit and metric), then cleared or returned by a central reviewer
-- (staging.stg_flag_decisions). An open or explained factor_of_10 flag on a province's own money
-- figure (a metric in yuan) holds that figure out of the headline national figure: a
-- yuan-for-10k-yuan slip multiplies the total it enters by up to ten thousand.
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
),

explanations AS (
    SELECT
        submission_id, org_unit_code, metric, explanation, explained_by, explained_at,
        row_number() OVER (
            PARTITION BY submission_id, org_unit_code, metric ORDER BY explained_at DESC, source_id DESC
        ) AS newest_first
    FROM staging.stg_explanations
)

SELECT
    f.report_type, f.period, f.province_code, f.org_unit_code, f.metric, f.value, f.reference_value,
    f.rule, f.detail_en, f.detail_zh, f.submission_id,
    substr(md5(f.submission_id || '/' || f.org_unit_code || '/' || f.metric || '/' || f.rule), 1, 10) AS flag_id,
    CASE
        WHEN d.decision IS NOT NULL THEN d.decision
        WHEN e.explanation IS NOT NULL THEN 'explained'
        ELSE 'open'
    END AS state,
    d.decision IS NULL
    AND f.rule = 'factor_of_10'
    AND f.org_unit_code = f.province_code
    AND coalesce(m.unit LIKE '%yuan%', FALSE) AS holds_figure_out,
    e.explanation,
    e.explained_by,
    e.explained_at,
    d.decision,
    d.note AS decision_note,
    d.decided_by,
    d.decided_at
FROM flags AS f
LEFT JOIN explanations AS e
    ON e.newest_first = 1
    AND e.submission_id = f.submission_id
    AND e.org_unit_code = f.org_unit_code
    AND e.metric = f.metric
LEFT JOIN staging.stg_flag_decisions AS d
    ON d.submission_id = f.submission_id
    AND d.org_unit_code = f.org_unit_code
    AND d.metric = f.metric
    AND d.rule = f.rule
LEFT JOIN staging.stg_metrics AS m
    ON m.report_type = f.report_type AND m.metric = f.metric
