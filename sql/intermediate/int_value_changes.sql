-- Each accepted submission against the accepted one it replaced (the previous accepted arrival
-- for the same report type, province and period), unit by unit and metric by metric: every pair
-- of values that differs, and every unit only one of the two files has.
WITH accepted AS (
    SELECT
        submission_id,
        source,
        received_at,
        processed_at,
        lag(submission_id) OVER (
            PARTITION BY report_type, province_code, period
            ORDER BY received_at, source
        ) AS replaced_id
    FROM staging.stg_submissions
    WHERE outcome = 'accepted'
),

replacements AS (
    SELECT
        new.submission_id AS new_submission_id,
        new.source AS new_source,
        new.received_at AS new_received_at,
        new.processed_at AS new_processed_at,
        old.submission_id AS old_submission_id,
        old.source AS old_source,
        old.received_at AS old_received_at
    FROM accepted AS new
    JOIN accepted AS old ON old.submission_id = new.replaced_id
),

old_figures AS (
    SELECT r.new_submission_id, f.*
    FROM replacements AS r
    JOIN staging.stg_figures AS f ON f.submission_id = r.old_submission_id
),

new_figures AS (
    SELECT r.new_submission_id, f.*
    FROM replacements AS r
    JOIN staging.stg_figures AS f ON f.submission_id = r.new_submission_id
),

compared AS (
    SELECT
        coalesce(n.new_submission_id, o.new_submission_id) AS new_submission_id,
        coalesce(n.report_type, o.report_type) AS report_type,
        coalesce(n.period, o.period) AS period,
        coalesce(n.province_code, o.province_code) AS province_code,
        coalesce(n.org_unit_code, o.org_unit_code) AS org_unit_code,
        coalesce(n.org_unit_name, o.org_unit_name) AS org_unit_name,
        coalesce(n.metric, o.metric) AS metric,
        o.value AS old_value,
        n.value AS new_value,
        CASE
            WHEN o.metric IS NULL THEN 'added'
            WHEN n.metric IS NULL THEN 'removed'
            ELSE 'changed'
        END AS change
    FROM old_figures AS o
    FULL JOIN new_figures AS n
        ON n.new_submission_id = o.new_submission_id
        AND n.org_unit_code = o.org_unit_code
        AND n.metric = o.metric
    WHERE o.metric IS NULL OR n.metric IS NULL OR o.value IS DISTINCT FROM n.value
)

SELECT
    c.report_type,
    c.period,
    c.province_code,
    c.org_unit_code,
    c.org_unit_name,
    c.metric,
    c.old_value,
    c.new_value,
    c.change,
    r.old_submission_id,
    r.old_source,
    r.old_received_at,
    r.new_submission_id,
    r.new_source,
    r.new_received_at,
    r.new_processed_at
FROM compared AS c
JOIN replacements AS r ON r.new_submission_id = c.new_submission_id
