-- Every review flag, one model per kind of check (outliers against history, reconciliation of
-- payment records with their summary); each has exactly these columns.
SELECT
    report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
    detail_en, detail_zh, submission_id
FROM intermediate.int_outlier_flags
UNION ALL
SELECT
    report_type, period, province_code, org_unit_code, metric, value, reference_value, rule,
    detail_en, detail_zh, submission_id
FROM intermediate.int_reconciliation_flags
