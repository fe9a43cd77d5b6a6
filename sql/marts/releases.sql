-- One row per release past its release instant (intermediate.int_visible_releases): who approved
-- it, when, with what comment, and what it rests on.
SELECT
    release_id,
    report_type,
    period,
    revision,
    previous_release_id,
    is_latest,
    approved_by,
    approved_at AT TIME ZONE 'UTC' AS approved_at,
    released_at AT TIME ZONE 'UTC' AS released_at,
    comment,
    content_sha256,
    conditions_met,
    NOT conditions_met AS approved_anyway,
    conditions,
    open_flags,
    late_files,
    suite_sha256,
    validation_location,
    dag_run_id
FROM intermediate.int_visible_releases
