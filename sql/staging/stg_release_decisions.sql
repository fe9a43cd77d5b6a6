-- The reviewers' decisions, approvals and rejections, copied from Airflow's human-in-the-loop responses.
SELECT
    dag_run_id,
    report_type,
    period,
    decision,
    decided_by,
    decided_at,
    comment,
    conditions_met,
    content_sha256,
    release_id,
    note
FROM core.release_decisions
