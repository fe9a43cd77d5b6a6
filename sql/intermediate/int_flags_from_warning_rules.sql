-- Warnings from a file's own rules: a failed rule declared `warning` (GX's `severity` in the suite,
-- `severity: warning` on a row rule) leaves the file accepted and its finding in staging.stg_findings
-- with severity warning. Here each becomes a review flag on every figure it names (its column, at
-- each row it names, in a file in force or returned: intermediate.int_figures_accepted), so that it is listed, explained and reviewed like an
-- outlier. The columns of intermediate.int_outlier_flags, and `position`, the finding's place in
-- its file's result document, by which mart.findings lists it once.
SELECT
    fig.report_type, fig.period, fig.province_code, fig.org_unit_code, fig.metric, fig.value,
    CAST(NULL AS DECIMAL(38, 4)) AS reference_value,
    f.rule,
    'value ' || CAST(CAST(fig.value AS DECIMAL(38, 2)) AS VARCHAR) || ': '
    || split_part(substr(f.en, length(f.column_name) + 3), ' — ', 1) AS detail_en,
    '数值' || CAST(CAST(fig.value AS DECIMAL(38, 2)) AS VARCHAR) || '：'
    || split_part(substr(f.zh, length(m.label_zh) + 2), ' — ', 1) AS detail_zh,
    f.submission_id,
    f.position
FROM staging.stg_findings AS f
JOIN intermediate.int_figures_accepted AS fig
    ON fig.submission_id = f.submission_id AND fig.metric = f.column_name
JOIN staging.stg_metrics AS m
    ON m.report_type = fig.report_type AND m.metric = fig.metric
WHERE f.severity = 'warning'
    AND fig.value IS NOT NULL
    AND ',' || replace(replace(replace(f.source_rows, '[', ''), ']', ''), ' ', '') || ','
    LIKE '%,' || CAST(fig.source_row AS VARCHAR) || ',%'
