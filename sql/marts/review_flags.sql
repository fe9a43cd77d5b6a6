-- Every review flag with its id and state (intermediate.int_review_flags); the explanation's and
-- the decision's moments as moments in UTC, like every timestamp in mart.
SELECT
    report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
    detail_en, detail_zh, submission_id, flag_id, state, holds_figure_out,
    explanation,
    explained_by,
    explained_at AT TIME ZONE 'UTC' AS explained_at,
    decision,
    decision_note,
    decided_by,
    decided_at AT TIME ZONE 'UTC' AS decided_at
FROM intermediate.int_review_flags
