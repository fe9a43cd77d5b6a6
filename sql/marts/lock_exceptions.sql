-- Every exception to the lock an operator granted, for auditors: who, when, why, until when.
SELECT
    e.province_code,
    p.name_zh AS province_name_zh,
    p.name_en AS province_name_en,
    e.period,
    e.until AT TIME ZONE 'UTC' AS until,
    e.reason,
    e.granted_by,
    e.granted_at AT TIME ZONE 'UTC' AS granted_at
FROM staging.stg_lock_exceptions AS e
LEFT JOIN staging.stg_provinces AS p ON p.province_code = e.province_code
