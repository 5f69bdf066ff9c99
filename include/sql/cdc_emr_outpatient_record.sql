-- 传染病前置 emr_outpatient_record (门（急）诊病历, 常规 T+0) — one row per outpatient / ER note (outpatient_note).
-- Window (half-open, local time) on the note's last change (signing, an edit, a void) OR on the last change of the
-- visit's main western diagnosis (visit_diagnosis): a diagnosis entered after the note is seen in its window.
-- The diagnoses are sent as the note shows them (diag_codes / diag_names, comma separated); a note that carries
-- none falls back on the visit's main diagnosis. Two main diagnoses would give two rows of one note: the pipeline
-- folds a record's adjacent rows and keeps the first, so the ORDER BY puts the latest diagnosis first.
-- Lookups are LEFT JOINs so that a note with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_outpatient_record.yaml (cdc_codes.yaml):
--   id_type SFZ/HZ/…, allergy_flag and first_visit_flag Y/N, dept_code (院内科室 → 前置软件标准科室).
SELECT
    n.note_id AS note_id,
    CASE WHEN n.status = 'voided' THEN 1 ELSE 0 END AS voided,
    n.patient_id AS patient_id,
    n.reg_id AS reg_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    n.allergy_flag AS allergy_flag,
    n.allergy_his AS allergy_his,
    n.visit_time AS visit_time,
    n.first_visit_flag AS first_visit_flag,
    n.chief_complaint AS chief_complaint,
    n.present_illness AS present_illness,
    n.past_illness AS past_illness,
    n.infection_his AS infection_his,
    n.vaccination_his AS vaccination_his,
    n.operation_his AS operation_his,
    n.transfusion_his AS transfusion_his,
    n.personal_his AS personal_his,
    n.marital_his AS marital_his,
    n.menstrual_his AS menstrual_his,
    n.family_his AS family_his,
    n.physical_exam AS physical_exam,
    n.tcm_observation AS tcm_observation,
    n.studies_summary AS studies_summary,
    COALESCE(n.diag_codes, vd.diag_code) AS diag_codes,
    COALESCE(n.diag_names, vd.diag_name) AS diag_names,
    n.tcm_diag_code AS tcm_diag_code,
    n.tcm_diag_name AS tcm_diag_name,
    n.tcm_syndrome_code AS tcm_syndrome_code,
    n.tcm_syndrome_name AS tcm_syndrome_name,
    n.tcm_basis AS tcm_basis,
    n.treatment AS treatment,
    n.dept_code AS dept_code,
    d.dept_name AS dept_name,
    n.doctor_code AS doctor_code,
    n.updated_at AS updated_at
FROM outpatient_note n
LEFT JOIN patient p ON p.patient_id = n.patient_id
LEFT JOIN patient_extra x ON x.patient_id = n.patient_id
LEFT JOIN dept d ON d.dept_code = n.dept_code
LEFT JOIN visit_diagnosis vd
    ON vd.reg_id = n.reg_id AND vd.diag_type = '1' AND vd.main_flag = '1' AND vd.status <> 'voided'
WHERE (n.updated_at >= :window_start AND n.updated_at < :window_end)
   OR (vd.updated_at >= :window_start AND vd.updated_at < :window_end)
ORDER BY n.note_id, vd.updated_at DESC
