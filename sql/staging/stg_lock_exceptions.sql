-- The operators' exceptions to the lock, as `cli unlock` recorded them.
SELECT
    province_code,
    period,
    until,
    reason,
    granted_by,
    granted_at
FROM core.lock_exceptions
