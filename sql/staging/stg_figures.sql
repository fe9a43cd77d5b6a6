-- The figures of accepted summary files, one row per unit and metric, as loaded: whether a file
-- is still in force is decided downstream, with the ledger.
SELECT
    submission_id,
    report_type,
    period,
    province_code,
    org_unit_code,
    org_unit_name,
    source_row,
    metric,
    value
FROM core.figures
