-- 医保结算清单 4101A oprninfo[]: the 手术操作 of every stay the list query selects (same window join as the
-- diagnoses). Doctors are returned as HIS staff codes and 执业证书编号; the YAML picks which one is sent.
SELECT
    op.adm_id AS adm_id,
    op.seq_no AS seq_no,
    op.oprn_oprt_type AS oprn_oprt_type,
    op.oprn_oprt_code AS oprn_oprt_code,
    op.oprn_oprt_name AS oprn_oprt_name,
    op.begin_time AS begin_time,
    op.end_time AS end_time,
    op.anst_way AS anst_way,
    op.oper_dr_code AS oper_dr_code,
    od.prac_cert_no AS oper_dr_cert_no,
    op.anst_dr_code AS anst_dr_code,
    ad.prac_cert_no AS anst_dr_cert_no
FROM stay_operation op
JOIN inpatient_stay st ON st.adm_id = op.adm_id
LEFT JOIN staff od ON od.staff_code = op.oper_dr_code
LEFT JOIN staff ad ON ad.staff_code = op.anst_dr_code
WHERE st.dscg_time >= :window_start
  AND st.dscg_time < :window_end
  AND EXISTS (SELECT 1 FROM insu_settlement s
               WHERE s.adm_id = st.adm_id AND s.visit_kind = 'I' AND s.refd_setl_flag = '0')
ORDER BY op.adm_id, op.seq_no
