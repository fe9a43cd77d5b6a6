-- The province figures behind each release, with the file each came from.
SELECT
    release_id,
    province_code,
    metric,
    value,
    under_review,
    submission_id,
    source,
    sha256,
    received_at,
    on_time,
    result_location
FROM core.released_province_figures
