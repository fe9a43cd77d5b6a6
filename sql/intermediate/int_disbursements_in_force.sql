-- The payment records of the relief_disbursements submissions in force (one per province and
-- period): a resubmission replaces the earlier file's records, it never adds to them; a returned
-- file's records do not count.
SELECT
    report_type,
    period,
    province_code,
    org_unit_code,
    beneficiary_pseudonym,
    birth_year,
    sex,
    beneficiary_category,
    amount_yuan,
    paid_on,
    submission_id,
    source,
    source_row
FROM intermediate.int_disbursements_accepted
WHERE NOT returned
