-- The declared report types, as the last load refreshed them.
SELECT
    report_type,
    title_zh,
    title_en,
    due_day
FROM core.report_types
