-- 市区卫平台 入院: stays admitted on the day, less cancelled ones (the HIS figure of the health check).
SELECT COUNT(*) AS n
FROM inpatient_stay i
WHERE i.adm_time >= :window_start AND i.adm_time < :window_end
  AND i.status <> 'cancelled'
