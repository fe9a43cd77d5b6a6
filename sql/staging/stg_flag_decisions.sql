-- The reviewers' decisions on review flags, as `cli review clear|return` recorded them.
SELECT
    submission_id,
    org_unit_code,
    metric,
    rule,
    decision,
    note,
    decided_by,
    decided_at
FROM core.flag_decisions
