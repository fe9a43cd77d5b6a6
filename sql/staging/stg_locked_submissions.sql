-- The files answered `locked` and the lock each arrived after.
SELECT
    submission_id,
    locks_at
FROM ingest.locked_submissions
