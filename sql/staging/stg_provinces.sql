-- The declared provinces, as the last load refreshed them.
SELECT
    province_code,
    name_zh,
    name_en
FROM core.provinces
