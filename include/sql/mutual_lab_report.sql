-- 省平台检查检验互认 uploadLabReport (检验报告) — one row per LIS report header (lab_report), microbiology included
-- (MicrobeTestMark 1; its organisms and 药敏 are mutual_microbe_bacteria / mutual_microbe_suscept).
-- Window (half-open, local time) on the report's last change: its signing, a revision (re-sent: the platform
-- replaces a BusinessNo it holds), or its withdrawal — a report voided in the window comes back with voided = 1 and
-- is deleted on the platform after its indicators, organisms and 药敏 (the platform refuses to delete a report whose
-- children it still holds: see include/mappings/mutual_lab_report.yaml).
-- DiagNo (就诊流水): the admission (adm_id) for inpatients, else the registration (reg_id, the GHId); PatNo is the
-- patient id (门诊号), HospitalNo the admission. Ward, room and bed from stay_bed.
-- The clinical diagnosis is the visit's (or the stay's) main diagnosis, read by scalar subqueries (MIN: one row per
-- report whatever the diagnosis rows hold).
-- Lookups are LEFT JOINs so that a report with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/mutual_lab_report.yaml (mutual_codes.yaml,
-- mutual_items.yaml): gender, id_type, visit_kind, micro_flag, and panel_code → the platform item (DataCode) and its
-- 互认 flags (a panel the lab has not mapped is quarantined "代码未对照").
SELECT
    r.report_id AS report_id,
    CASE WHEN r.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    r.visit_kind AS visit_kind,
    COALESCE(r.adm_id, r.reg_id) AS diag_no,
    r.adm_id AS adm_id,
    wd.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    r.apply_no AS apply_no,
    r.apply_doctor_code AS apply_doctor_code,
    ap.name AS apply_doctor_name,
    r.apply_dept_code AS apply_dept_code,
    ad.dept_name AS apply_dept_name,
    r.specimen_no AS specimen_no,
    COALESCE(sc.name, r.specimen_type) AS specimen_name,
    r.sample_time AS sample_time,
    r.receive_time AS receive_time,
    r.test_time AS test_time,
    r.test_doctor_code AS test_doctor_code,
    td.name AS test_doctor_name,
    r.audit_doctor_code AS audit_doctor_code,
    au.name AS audit_doctor_name,
    r.report_no AS report_no,
    r.report_time AS report_time,
    r.report_dept_code AS report_dept_code,
    rd.dept_name AS report_dept_name,
    r.remark AS remark,
    COALESCE(
        (SELECT MIN(vd.diag_name) FROM visit_diagnosis vd
         WHERE vd.reg_id = r.reg_id AND vd.main_flag = '1' AND vd.diag_type = '1' AND vd.status = 'normal'),
        (SELECT MIN(sd.diag_name) FROM stay_diagnosis sd
         WHERE sd.adm_id = r.adm_id AND sd.maindiag_flag = '1' AND sd.diag_type = '1')
    ) AS clinical_diag,
    r.micro_flag AS micro_flag,
    r.panel_code AS panel_code,
    r.updated_at AS updated_at
FROM lab_report r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
LEFT JOIN stay_bed b ON b.adm_id = r.adm_id
LEFT JOIN dept wd ON wd.dept_code = b.ward_code
LEFT JOIN dept ad ON ad.dept_code = r.apply_dept_code
LEFT JOIN dept rd ON rd.dept_code = r.report_dept_code
LEFT JOIN staff ap ON ap.staff_code = r.apply_doctor_code
LEFT JOIN staff td ON td.staff_code = r.test_doctor_code
LEFT JOIN staff au ON au.staff_code = r.audit_doctor_code
LEFT JOIN code_dict sc ON sc.dict_type = 'specimen' AND sc.code = r.specimen_type
WHERE r.updated_at >= :window_start AND r.updated_at < :window_end
ORDER BY r.report_id
