-- 市区卫平台 门急诊就诊: how many the HIS holds for the day (the same rows outpatient_visit.sql selects, less the
-- voided ones): the "HIS" figure of the daily upload-health check.
SELECT COUNT(*) AS n
FROM registration r
WHERE r.reg_time >= :window_start AND r.reg_time < :window_end
  AND r.status NOT IN ('cancelled', 'refunded')
