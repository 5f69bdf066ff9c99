-- 医保结算清单 4101A: one row per inpatient 医保 settlement (visit_kind 'I', the original, not a cancellation row)
-- whose stay was discharged in the bound window (start inclusive, end exclusive, local time). This is not the
-- run's day: the job binds window_start far enough back (window end − deadline − overdue report days) to cover
-- the upload deadline and the overdue report (include/mappings/hsa_settlement_list.yaml).
-- A settlement whose stay is missing (adm_id NULL or no inpatient_stay row) is still selected, on its settlement
-- time, so that it is reported with its reason rather than lost.
-- cancelled_by: the cancellation row (2305) that undoes this settlement, if the HIS has one; with
-- setl_status = 'cancelled' it tells the job to change the list's status (4102) when it was already uploaded.
-- Coded HIS values are returned raw and translated by the YAML mapping (coner_rlts, adm_way, dscg_way …).
SELECT
    s.setl_id AS setl_id,
    s.mdtrt_id AS mdtrt_id,
    s.psn_no AS psn_no,
    s.adm_id AS adm_id,
    s.insutype AS insutype,
    s.med_type AS setl_med_type,
    s.setl_time AS setl_time,
    s.status AS setl_status,
    s.bill_code AS bill_code,
    s.bill_no AS bill_no,
    s.msgid AS setl_msgid,
    (SELECT MIN(c.setl_id) FROM insu_settlement c
      WHERE c.cancel_of = s.setl_id AND c.refd_setl_flag = '1') AS cancelled_by,
    st.adm_id AS stay_adm_id,
    st.mdtrt_id AS stay_mdtrt_id,
    st.medcasno AS medcasno,
    st.ipt_med_type AS ipt_med_type,
    st.adm_way AS adm_way,
    st.trt_type AS trt_type,
    st.adm_time AS adm_time,
    st.adm_dept_code AS adm_dept_code,
    st.dscg_time AS dscg_time,
    COALESCE(st.dscg_time, s.setl_time) AS due_from,
    st.dscg_dept_code AS dscg_dept_code,
    dd.dept_name AS dscg_dept_name,
    st.dscg_way AS dscg_way,
    st.chfpdr_code AS chfpdr_code,
    dr.name AS chfpdr_name,
    dr.prac_cert_no AS chfpdr_cert_no,
    st.resp_nurse_code AS nurse_code,
    nu.prac_cert_no AS nurse_cert_no,
    st.coner_name AS coner_name,
    st.coner_rlts AS coner_rlts,
    st.coner_addr AS coner_addr,
    st.coner_tel AS coner_tel,
    st.prfs AS prfs,
    p.birth_date AS birth_date,
    p.address AS curr_addr,
    p.insuplc_admdvs AS insuplc_admdvs
FROM insu_settlement s
LEFT JOIN inpatient_stay st ON st.adm_id = s.adm_id
LEFT JOIN patient p ON p.patient_id = s.patient_id
LEFT JOIN dept dd ON dd.dept_code = st.dscg_dept_code
LEFT JOIN staff dr ON dr.staff_code = st.chfpdr_code
LEFT JOIN staff nu ON nu.staff_code = st.resp_nurse_code
WHERE s.visit_kind = 'I'
  AND s.refd_setl_flag = '0'
  AND ((st.dscg_time >= :window_start AND st.dscg_time < :window_end)
       OR (st.adm_id IS NULL AND s.setl_time >= :window_start AND s.setl_time < :window_end))
ORDER BY COALESCE(st.dscg_time, s.setl_time), s.setl_id
