-- 医保基金自查 · rule after_discharge (include/mappings/hsa_fund_self_check.yaml): fee lines of an inpatient
-- settlement charged after the stay's discharge time. A line charged at the discharge time itself (出院带药,
-- the last day's bed) is not flagged. Same population as the shared frame: settlements of the window, settled
-- and valid, lines not refunded. Returns the standard finding columns plus what the rule's detail names.
SELECT
    f.setl_id AS setl_id,
    f.mdtrt_id AS mdtrt_id,
    f.patient_id AS patient_id,
    f.fee_id AS fee_id,
    f.item_code AS item_code,
    f.item_name AS item_name,
    f.fee_time AS fee_time,
    f.amount AS amount_at_risk,
    st.adm_id AS adm_id,
    st.dscg_time AS dscg_time
FROM fee_detail f
JOIN insu_settlement s ON s.setl_id = f.setl_id
JOIN inpatient_stay st ON st.adm_id = s.adm_id
WHERE s.setl_time >= :window_start
  AND s.setl_time < :window_end
  AND s.refd_setl_flag = '0'
  AND s.status = 'normal'
  AND f.status = 'normal'
  AND st.dscg_time IS NOT NULL
  AND f.fee_time > st.dscg_time
ORDER BY f.setl_id, f.fee_time, f.fee_id
