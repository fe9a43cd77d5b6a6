SELECT report_type, title_zh, title_en, due_day FROM staging.stg_report_types
