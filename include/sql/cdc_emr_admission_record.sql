-- 传染病前置 emr_admission_record (住院病案首页, 常规 "次日") — one row per 病案首页 (front_page, id = adm_id: one
-- front page per discharged stay) whose last change falls in the window (half-open, local time): completion by the
-- coder, a later correction (revision + 1), a void; the front page of a cancelled stay comes back with voided = 1.
-- The stay gives the admission / discharge times and departments and the 病案号; the front page the rest. The
-- 出院主要诊断 is the front page's, else the stay's main western diagnosis (stay_diagnosis, maindiag_flag 1).
-- Lookups are LEFT JOINs so that a front page with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_admission_record.yaml (cdc_codes.yaml):
-- id_type, pay_method ZG/JM/…, allergy_flag / autopsy_flag Y/N, adm/dscg dept codes (院内科室 → 标准科室).
SELECT
    f.adm_id AS adm_id,
    CASE WHEN f.status = 'voided' OR s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    f.patient_id AS patient_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card,
    f.pay_method AS pay_method,
    pm.name AS pay_method_name,
    f.health_card_no AS health_card_no,
    f.adm_times AS adm_times,
    s.medcasno AS medcasno,
    s.adm_time AS adm_time,
    s.adm_dept_code AS adm_dept_code,
    ad.dept_name AS adm_dept_name,
    f.adm_room_no AS adm_room_no,
    s.dscg_time AS dscg_time,
    s.dscg_dept_code AS dscg_dept_code,
    dd.dept_name AS dscg_dept_name,
    f.dscg_room_no AS dscg_room_no,
    f.ipt_days AS ipt_days,
    f.otp_diag_code AS otp_diag_code,
    f.otp_diag_name AS otp_diag_name,
    COALESCE(f.main_diag_code, md.diag_code) AS main_diag_code,
    COALESCE(f.main_diag_name, md.diag_name) AS main_diag_name,
    f.other_diag_codes AS other_diag_codes,
    f.other_diag_names AS other_diag_names,
    f.ext_cause_code AS ext_cause_code,
    f.ext_cause_name AS ext_cause_name,
    f.path_diag_code AS path_diag_code,
    f.path_diag_name AS path_diag_name,
    f.path_no AS path_no,
    f.allergy_flag AS allergy_flag,
    f.allergy_drug AS allergy_drug,
    f.autopsy_flag AS autopsy_flag,
    f.attending_code AS attending_code,
    f.resident_code AS resident_code,
    f.accept_org_code AS accept_org_code,
    f.accept_org_name AS accept_org_name,
    f.coder_code AS coder_code,
    f.updated_at AS updated_at
FROM front_page f
LEFT JOIN inpatient_stay s ON s.adm_id = f.adm_id
LEFT JOIN patient p ON p.patient_id = f.patient_id
LEFT JOIN patient_extra x ON x.patient_id = f.patient_id
LEFT JOIN code_dict pm ON pm.dict_type = 'pay_method' AND pm.code = f.pay_method
LEFT JOIN dept ad ON ad.dept_code = s.adm_dept_code
LEFT JOIN dept dd ON dd.dept_code = s.dscg_dept_code
LEFT JOIN stay_diagnosis md ON md.adm_id = f.adm_id AND md.diag_type = '1' AND md.maindiag_flag = '1'
WHERE (f.updated_at >= :window_start AND f.updated_at < :window_end)
   OR (s.status = 'cancelled' AND s.updated_at >= :window_start AND s.updated_at < :window_end)
ORDER BY f.adm_id
