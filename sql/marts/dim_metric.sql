SELECT report_type, metric, label_zh, unit, value_type, position FROM staging.stg_metrics
