-- 市区卫平台 出院: stays discharged on the day, less cancelled ones (the HIS figure of the health check).
SELECT COUNT(*) AS n
FROM inpatient_stay i
WHERE i.dscg_time >= :window_start AND i.dscg_time < :window_end
  AND i.status <> 'cancelled'
