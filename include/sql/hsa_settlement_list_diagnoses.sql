-- 医保结算清单 4101A diseinfo[]: the 住院诊断 (病案首页) of every stay the list query selects — the same window
-- join instead of a list of ids, so the statement binds the same two values on every database.
SELECT
    dg.adm_id AS adm_id,
    dg.seq_no AS seq_no,
    dg.diag_type AS diag_type,
    dg.diag_code AS diag_code,
    dg.diag_name AS diag_name,
    dg.maindiag_flag AS maindiag_flag,
    dg.adm_cond_type AS adm_cond_type
FROM stay_diagnosis dg
JOIN inpatient_stay st ON st.adm_id = dg.adm_id
WHERE st.dscg_time >= :window_start
  AND st.dscg_time < :window_end
  AND EXISTS (SELECT 1 FROM insu_settlement s
               WHERE s.adm_id = st.adm_id AND s.visit_kind = 'I' AND s.refd_setl_flag = '0')
ORDER BY dg.adm_id, dg.seq_no
