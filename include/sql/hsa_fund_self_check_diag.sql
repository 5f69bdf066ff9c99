-- 医保基金自查: the diagnoses (病案首页, stay_diagnosis) of the window's inpatient settlements, for the rules on
-- 限定支付范围 (insu_item_limit.indication_diag). The settlement's own main_diag_code comes with the frame
-- (hsa_fund_self_check.sql); an outpatient settlement has only that one. Same settlements as the frame.
SELECT
    s.setl_id AS setl_id,
    d.diag_code AS diag_code
FROM insu_settlement s
JOIN stay_diagnosis d ON d.adm_id = s.adm_id
WHERE s.setl_time >= :window_start
  AND s.setl_time < :window_end
  AND s.refd_setl_flag = '0'
  AND s.status = 'normal'
ORDER BY s.setl_id, d.seq_no
