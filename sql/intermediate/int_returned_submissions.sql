-- The files a central reviewer returned to their province (staging.stg_submissions: `returned`),
-- with why in the reviewer's words, one line per returned flag, and who returned it when.
SELECT
    s.submission_id,
    s.report_type,
    s.province_code,
    s.period,
    string_agg(
        '复核退回 returned by ' || d.decided_by || ' (' || d.metric || ', ' || d.org_unit_code || '): ' || d.note,
        chr(10) ORDER BY d.decided_at, d.metric, d.org_unit_code, d.rule
    ) AS reason,
    max(d.decided_at) AS returned_at
FROM staging.stg_submissions AS s
JOIN staging.stg_flag_decisions AS d
    ON d.submission_id = s.submission_id AND d.decision = 'returned'
WHERE s.status = 'returned'
GROUP BY s.submission_id, s.report_type, s.province_code, s.period
