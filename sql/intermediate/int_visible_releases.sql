-- The releases past their release instant, each marked whether it is the latest such release of its
-- report type and period: the one place the embargo is stated. now() is read at query time, so a
-- release appears at its instant without any run.
SELECT
    *,
    revision = max(revision) OVER (PARTITION BY report_type, period) AS is_latest
FROM staging.stg_releases
WHERE released_at AT TIME ZONE 'UTC' <= now()
