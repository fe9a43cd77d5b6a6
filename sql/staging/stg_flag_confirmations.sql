-- The reviewers' confirmations of review flags, as `cli review confirm` recorded them.
SELECT
    submission_id,
    org_unit_code,
    metric,
    rule,
    confirmed_by,
    comment,
    confirmed_at
FROM core.flag_confirmations
