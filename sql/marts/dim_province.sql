SELECT province_code, name_zh, name_en FROM staging.stg_provinces
