-- Every review flag with its id and status (intermediate.int_review_flags); the confirmation's
-- moment as a moment in UTC, like every timestamp in mart.
SELECT
    report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
    detail_en, detail_zh, submission_id, flag_id, status, holds_figure_out, confirmed_by,
    confirmed_at AT TIME ZONE 'UTC' AS confirmed_at,
    confirmation_comment
FROM intermediate.int_review_flags
