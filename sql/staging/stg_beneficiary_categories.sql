-- The declared beneficiary categories of records report types, and what each reconciles with in
-- the summary report, as the last load of records refreshed them.
SELECT
    report_type,
    category,
    label_zh,
    summary_report_type,
    summary_metric,
    funds_metric,
    count_tolerance
FROM core.beneficiary_categories
