-- The payment records of the relief_disbursements submissions in force (one per province and
-- period): a resubmission replaces the earlier file's records, it never adds to them.
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
    d.source_row
FROM staging.stg_disbursements AS d
JOIN staging.stg_submissions AS s
    ON s.submission_id = d.submission_id
WHERE s.status = 'accepted'
