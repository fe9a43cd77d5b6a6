-- The payment records of each province and period's latest accepted relief_disbursements file: the
-- file in force, or the one a reviewer returned (staging.stg_submissions), with whether it was.
-- Reconciliation flags are found here, so a returned file keeps its flags on record.
SELECT
    d.report_type,
    d.period,
    s.province_code,
    d.org_unit_code,
    d.beneficiary_pseudonym,
    d.birth_year,
    d.sex,
    d.beneficiary_category,
    d.amount_yuan,
    d.paid_on,
    d.submission_id,
    s.source,
    d.source_row,
    s.status = 'returned' AS returned
FROM staging.stg_disbursements AS d
JOIN staging.stg_submissions AS s
    ON s.submission_id = d.submission_id
WHERE s.status IN ('accepted', 'returned')
