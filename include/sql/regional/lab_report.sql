-- 市区卫平台 检验报告 (前置库 up_lab_report) — one row per audited lab report issued in the window (report_time,
-- half-open, local time). A voided report (作废) comes back with voided = 1. The visit is the registration
-- (门急诊) or the stay (住院) the report belongs to.
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
    COALESCE(r.reg_id, r.adm_id) AS visit_no,
    r.apply_no AS apply_no,
    r.panel_code AS panel_code,
    r.panel_name AS panel_name,
    r.specimen_type AS specimen_type,
    r.sample_time AS sample_time,
    r.report_time AS report_time,
    r.audit_doctor_code AS report_doctor_code,
    r.report_dept_code AS report_dept_code
FROM lab_report r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
WHERE r.report_time >= :window_start AND r.report_time < :window_end
ORDER BY r.report_id
