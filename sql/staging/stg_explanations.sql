-- The provinces' explanations of warnings, as the load recorded them.
SELECT
    submission_id,
    org_unit_code,
    metric,
    explanation,
    explained_by,
    explained_at,
    source_id
FROM ingest.explanations
