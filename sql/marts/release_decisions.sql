-- Every reviewer's decision on a candidate release; an approval whose release is still embargoed
-- appears with it, at its instant.
SELECT
    d.report_type,
    d.period,
    d.decision,
    d.decided_by,
    d.decided_at AT TIME ZONE 'UTC' AS decided_at,
    d.comment,
    d.conditions_met,
    d.content_sha256,
    d.release_id,
    d.note,
    d.dag_run_id
FROM staging.stg_release_decisions AS d
WHERE d.release_id IS NULL
    OR d.release_id IN (SELECT release_id FROM intermediate.int_visible_releases)
