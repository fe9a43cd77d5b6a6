-- The releases, as publish/ committed them, embargoed ones included (only the loader reads staging).
SELECT
    release_id,
    report_type,
    period,
    revision,
    previous_release_id,
    content_sha256,
    approved_by,
    approved_at,
    released_at,
    comment,
    conditions_met,
    conditions,
    suite_sha256,
    validation_location,
    open_flags,
    late_files,
    dag_run_id
FROM core.releases
