-- The payment records of accepted relief_disbursements files, as loaded (no identity numbers:
-- beneficiary_pseudonym, birth_year and sex stand in for them), with the report type named.
SELECT
    'relief_disbursements' AS report_type,
    submission_id,
    source_row,
    period,
    org_unit_code,
    beneficiary_pseudonym,
    birth_year,
    sex,
    beneficiary_category,
    amount_yuan,
    paid_on
FROM core.disbursements
