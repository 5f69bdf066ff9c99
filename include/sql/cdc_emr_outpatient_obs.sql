-- 传染病前置 emr_outpatient_obs (门（急）诊留观记录, 常规 T+0) — one row per ER observation (er_observation).
-- Window (half-open, local time) on the observation's last change: admission to the observation room, the
-- course written, leaving (out_time), a void. An observation still open at the end of a window is sent as it
-- stands and sent again (an upsert by id) when it changes, e.g. when the patient leaves.
-- The visit's time and 初诊 flag come from its note; without a note, from the registration.
-- Lookups are LEFT JOINs so that a row with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_outpatient_obs.yaml (cdc_codes.yaml).
SELECT
    o.obs_id AS obs_id,
    CASE WHEN o.status = 'voided' THEN 1 ELSE 0 END AS voided,
    o.patient_id AS patient_id,
    o.reg_id AS reg_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    o.allergy_flag AS allergy_flag,
    o.allergy_his AS allergy_his,
    COALESCE(n.visit_time, r.reg_time) AS visit_time,
    COALESCE(n.first_visit_flag, CASE WHEN r.is_revisit = 1 THEN 'N' ELSE 'Y' END) AS first_visit_flag,
    o.chief_complaint AS chief_complaint,
    o.present_illness AS present_illness,
    o.past_illness AS past_illness,
    o.physical_exam AS physical_exam,
    o.tcm_observation AS tcm_observation,
    o.studies_summary AS studies_summary,
    o.diag_codes AS diag_codes,
    o.diag_names AS diag_names,
    o.tcm_diag_code AS tcm_diag_code,
    o.tcm_diag_name AS tcm_diag_name,
    o.tcm_syndrome_code AS tcm_syndrome_code,
    o.tcm_syndrome_name AS tcm_syndrome_name,
    o.tcm_basis AS tcm_basis,
    o.treatment AS treatment,
    o.course_text AS course_text,
    o.in_time AS in_time,
    o.precautions AS precautions,
    o.dept_code AS dept_code,
    d.dept_name AS dept_name,
    o.doctor_code AS doctor_code,
    o.updated_at AS updated_at
FROM er_observation o
LEFT JOIN patient p ON p.patient_id = o.patient_id
LEFT JOIN patient_extra x ON x.patient_id = o.patient_id
LEFT JOIN dept d ON d.dept_code = o.dept_code
LEFT JOIN registration r ON r.reg_id = o.reg_id
LEFT JOIN outpatient_note n ON n.reg_id = o.reg_id AND n.status <> 'voided'
WHERE o.updated_at >= :window_start AND o.updated_at < :window_end
ORDER BY o.obs_id, n.updated_at DESC
