-- Every file version seen, with its status: a rejected file stays rejected; of the accepted
-- files for one report type, province and period, the latest arrival is in force and the
-- earlier ones are superseded by it.
SELECT
    s.*,
    CASE
        WHEN s.outcome = 'rejected' THEN 'rejected'
        WHEN s.submission_id = in_force.submission_id THEN 'accepted'
        ELSE 'superseded'
    END AS status,
    CASE
        WHEN s.outcome = 'accepted' AND s.submission_id <> in_force.submission_id
        THEN in_force.submission_id
    END AS superseded_by
FROM ingest.submissions AS s
LEFT JOIN (
    SELECT
        submission_id, report_type, province_code, period,
        row_number() OVER (
            PARTITION BY report_type, province_code, period
            ORDER BY received_at DESC, source DESC
        ) AS newest_first
    FROM ingest.submissions
    WHERE outcome = 'accepted'
) AS in_force
    ON in_force.newest_first = 1
    AND in_force.report_type = s.report_type
    AND in_force.province_code = s.province_code
    AND in_force.period = s.period
