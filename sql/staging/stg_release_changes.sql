-- What each release changed against the one before it; '' as province_code is a national figure.
SELECT
    release_id,
    previous_release_id,
    province_code,
    metric,
    old_value,
    new_value
FROM core.release_changes
