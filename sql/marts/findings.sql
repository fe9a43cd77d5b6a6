-- Every finding of every file, in words: each rule it failed (staging.stg_findings: errors, and
-- warnings that name no figure in force) and each review flag on its figures (warnings,
-- intermediate.int_review_flags, which holds the warnings of its own rules as flags). What the
-- file's receipt lists.
SELECT
    f.submission_id,
    s.report_type,
    s.province_code,
    s.period,
    f.severity,
    f.rule,
    f.column_name,
    f.source_rows,
    f.zh,
    f.en,
    f.position,
    CAST(NULL AS VARCHAR) AS flag_id,
    CAST(NULL AS VARCHAR) AS flag_state
FROM staging.stg_findings AS f
JOIN staging.stg_submissions AS s ON s.submission_id = f.submission_id
WHERE NOT EXISTS (
    SELECT 1 FROM intermediate.int_flags_from_warning_rules AS w
    WHERE w.submission_id = f.submission_id AND w.position = f.position
)
UNION ALL
SELECT
    r.submission_id,
    r.report_type,
    r.province_code,
    r.period,
    'warning' AS severity,
    'review:' || r.rule AS rule,
    r.metric AS column_name,
    CASE WHEN fig.source_row IS NULL THEN '[]' ELSE '[' || CAST(fig.source_row AS VARCHAR) || ']' END AS source_rows,
    coalesce(m.label_zh, r.metric) || '（' || r.org_unit_code || '）：' || r.detail_zh AS zh,
    r.metric || ' (' || r.org_unit_code || '): ' || r.detail_en AS en,
    CAST(NULL AS INTEGER) AS position,
    r.flag_id,
    r.state AS flag_state
FROM intermediate.int_review_flags AS r
LEFT JOIN intermediate.int_figures_accepted AS fig
    ON fig.submission_id = r.submission_id AND fig.org_unit_code = r.org_unit_code AND fig.metric = r.metric
LEFT JOIN staging.stg_metrics AS m
    ON m.report_type = r.report_type AND m.metric = r.metric
