-- 市区卫平台 检验报告: reports issued on the day, less voided ones (the HIS figure of the health check).
SELECT COUNT(*) AS n
FROM lab_report r
WHERE r.report_time >= :window_start AND r.report_time < :window_end
  AND r.status <> 'voided'
