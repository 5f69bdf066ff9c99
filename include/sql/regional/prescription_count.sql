-- 市区卫平台 处方: prescriptions written on the day, less voided ones (the HIS figure of the health check).
SELECT COUNT(*) AS n
FROM prescription rx
WHERE rx.rx_time >= :window_start AND rx.rx_time < :window_end
  AND rx.status = 'normal'
