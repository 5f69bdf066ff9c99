-- 传染病前置 emr_ex_clinical (检查报告, 常规 T+0) — one row per PACS / pathology report header (exam_report).
-- Window (half-open, local time) on the report's last change: its signing, a revision, or its void — a report
-- voided in the window comes back with voided = 1 and is removed from the front-end (its items are removed by
-- cdc_emr_ex_clinical_item first: see include/mappings/cdc_emr_ex_clinical.yaml).
-- serial_number: 住院号 (adm_id) for inpatients, else the 门（急）诊号 (reg_id); ward and bed from stay_bed.
-- The examined body part is part of what was seen: it heads the objective findings ("胸部：…").
-- Lookups are LEFT JOINs so that a report with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_ex_clinical.yaml (cdc_codes.yaml):
--   visit_kind O/E/I, id_type SFZ/HZ/…, exam_type CT/DR/US/MR/BL, special_flag Y/N, apply_dept_code and
--   report_dept_code (院内科室 → 前置软件标准科室; an unmapped department is quarantined).
SELECT
    r.report_id AS report_id,
    CASE WHEN r.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.patient_id AS patient_id,
    r.visit_kind AS visit_kind,
    COALESCE(r.adm_id, r.reg_id) AS serial_no,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    wd.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    r.apply_no AS apply_no,
    r.apply_dept_code AS apply_dept_code,
    ad.dept_name AS apply_dept_name,
    r.chief_complaint AS chief_complaint,
    r.symptom_start AS symptom_start,
    r.symptom_end AS symptom_end,
    r.symptom_desc AS symptom_desc,
    r.treatment_desc AS treatment_desc,
    r.special_flag AS special_flag,
    r.exam_type AS exam_type,
    CASE WHEN r.exam_part IS NULL OR r.findings IS NULL THEN r.findings
         ELSE r.exam_part || '：' || r.findings END AS findings,
    r.conclusion AS conclusion,
    r.remark AS remark,
    r.report_no AS report_no,
    r.report_time AS report_time,
    r.report_doctor_code AS report_doctor_code,
    r.audit_doctor_code AS audit_doctor_code,
    r.report_dept_code AS report_dept_code,
    rd.dept_name AS report_dept_name,
    r.updated_at AS updated_at
FROM exam_report r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
LEFT JOIN stay_bed b ON b.adm_id = r.adm_id
LEFT JOIN dept wd ON wd.dept_code = b.ward_code
LEFT JOIN dept ad ON ad.dept_code = r.apply_dept_code
LEFT JOIN dept rd ON rd.dept_code = r.report_dept_code
WHERE r.updated_at >= :window_start AND r.updated_at < :window_end
ORDER BY r.report_id
