-- Per period, province and category: payments, distinct beneficiaries and the amount paid,
-- from the records in force.
SELECT
    d.period,
    d.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    d.beneficiary_category,
    c.label_zh AS category_label_zh,
    count(*) AS payments,
    count(DISTINCT d.beneficiary_pseudonym) AS beneficiaries,
    sum(d.amount_yuan) AS amount_yuan,
    d.submission_id
FROM intermediate.int_disbursements_in_force AS d
JOIN staging.stg_provinces AS p ON p.province_code = d.province_code
LEFT JOIN staging.stg_beneficiary_categories AS c
    ON c.report_type = d.report_type AND c.category = d.beneficiary_category
GROUP BY d.period, d.province_code, p.name_zh, p.name_en, d.beneficiary_category, c.label_zh, d.submission_id
