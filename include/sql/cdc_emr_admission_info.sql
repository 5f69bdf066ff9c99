-- 传染病前置 emr_admission_info (入院记录, 常规 T+0) — one row per admission note (admission_note) of a stay.
-- Window (half-open, local time) on the note's last change (signing; a 修正/确定/补充诊断 added later; a void)
-- OR on the stay's cancellation (取消入院): the note of a cancelled stay comes back with voided = 1.
-- serial_number = the 住院号 (inpatient_stay.adm_id); ward / room / bed from the stay's bed (stay_bed).
-- Lookups are LEFT JOINs so that a note with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_admission_info.yaml (cdc_codes.yaml):
--   id_type SFZ/HZ/…, health_good_flag and infectious_flag Y/N, dept_code (院内科室 → 前置软件标准科室).
SELECT
    a.note_id AS note_id,
    CASE WHEN a.status = 'voided' OR s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    a.patient_id AS patient_id,
    a.adm_id AS adm_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    w.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    a.adm_time AS adm_time,
    a.chief_complaint AS chief_complaint,
    a.present_illness AS present_illness,
    a.health_good_flag AS health_good_flag,
    a.past_illness AS past_illness,
    a.infectious_flag AS infectious_flag,
    a.infection_his AS infection_his,
    a.vaccination_his AS vaccination_his,
    a.operation_his AS operation_his,
    a.transfusion_his AS transfusion_his,
    a.allergy_his AS allergy_his,
    a.personal_his AS personal_his,
    a.marital_his AS marital_his,
    a.menstrual_his AS menstrual_his,
    a.family_his AS family_his,
    a.physical_exam AS physical_exam,
    a.specialty_exam AS specialty_exam,
    a.studies_summary AS studies_summary,
    a.tcm_observation AS tcm_observation,
    a.treatment AS treatment,
    a.init_diag_codes AS init_diag_codes,
    a.init_diag_names AS init_diag_names,
    a.init_tcm_code AS init_tcm_code,
    a.init_tcm_name AS init_tcm_name,
    a.init_syn_code AS init_syn_code,
    a.init_syn_name AS init_syn_name,
    a.init_diag_time AS init_diag_time,
    a.rev_diag_codes AS rev_diag_codes,
    a.rev_diag_names AS rev_diag_names,
    a.rev_tcm_code AS rev_tcm_code,
    a.rev_tcm_name AS rev_tcm_name,
    a.rev_syn_code AS rev_syn_code,
    a.rev_syn_name AS rev_syn_name,
    a.rev_diag_time AS rev_diag_time,
    a.conf_diag_codes AS conf_diag_codes,
    a.conf_diag_names AS conf_diag_names,
    a.conf_tcm_code AS conf_tcm_code,
    a.conf_tcm_name AS conf_tcm_name,
    a.conf_syn_code AS conf_syn_code,
    a.conf_syn_name AS conf_syn_name,
    a.conf_diag_time AS conf_diag_time,
    a.supp_diag_code AS supp_diag_code,
    a.supp_diag_name AS supp_diag_name,
    a.supp_diag_time AS supp_diag_time,
    a.diag_order AS diag_order,
    a.visit_doctor_code AS visit_doctor_code,
    a.resident_code AS resident_code,
    a.attending_code AS attending_code,
    a.dept_code AS dept_code,
    d.dept_name AS dept_name,
    a.updated_at AS updated_at
FROM admission_note a
LEFT JOIN inpatient_stay s ON s.adm_id = a.adm_id
LEFT JOIN patient p ON p.patient_id = a.patient_id
LEFT JOIN patient_extra x ON x.patient_id = a.patient_id
LEFT JOIN stay_bed b ON b.adm_id = a.adm_id
LEFT JOIN dept w ON w.dept_code = b.ward_code
LEFT JOIN dept d ON d.dept_code = a.dept_code
WHERE (a.updated_at >= :window_start AND a.updated_at < :window_end)
   OR (s.status = 'cancelled' AND s.updated_at >= :window_start AND s.updated_at < :window_end)
ORDER BY a.note_id
