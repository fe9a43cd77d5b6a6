-- Every file version seen, with its status: a file that arrived after its period's lock is locked
-- (staging.stg_locked_submissions), whatever its rules said; a rejected file stays rejected; of the
-- other accepted files for one report type, province and period, the latest arrival is in force and
-- the earlier ones are superseded by it, unless a reviewer returned it (a `returned` decision on one
-- of its flags, staging.stg_flag_decisions): then it is `returned`, nothing of that province and
-- period is in force, and the next accepted arrival (the corrected file) supersedes it. An
-- explanation file (report type `explanations`, load/explanations.py) is accepted or rejected,
-- never in force for a report nor superseded.
SELECT
    s.*,
    CASE
        WHEN l.submission_id IS NOT NULL THEN 'locked'
        WHEN s.outcome = 'rejected' THEN 'rejected'
        WHEN s.report_type = 'explanations' THEN 'accepted'
        WHEN s.submission_id = in_force.submission_id AND r.submission_id IS NOT NULL THEN 'returned'
        WHEN s.submission_id = in_force.submission_id THEN 'accepted'
        ELSE 'superseded'
    END AS status,
    CASE
        WHEN l.submission_id IS NULL AND s.outcome = 'accepted' AND s.submission_id <> in_force.submission_id
        THEN in_force.submission_id
    END AS superseded_by
FROM ingest.submissions AS s
LEFT JOIN staging.stg_locked_submissions AS l
    ON l.submission_id = s.submission_id
LEFT JOIN (
    SELECT DISTINCT submission_id FROM staging.stg_flag_decisions WHERE decision = 'returned'
) AS r
    ON r.submission_id = s.submission_id
LEFT JOIN (
    SELECT
        a.submission_id, a.report_type, a.province_code, a.period,
        row_number() OVER (
            PARTITION BY a.report_type, a.province_code, a.period
            ORDER BY a.received_at DESC, a.source DESC
        ) AS newest_first
    FROM ingest.submissions AS a
    WHERE a.outcome = 'accepted'
        AND a.report_type <> 'explanations'
        AND a.submission_id NOT IN (SELECT submission_id FROM staging.stg_locked_submissions)
) AS in_force
    ON in_force.newest_first = 1
    AND in_force.report_type = s.report_type
    AND in_force.province_code = s.province_code
    AND in_force.period = s.period
