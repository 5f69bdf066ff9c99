-- 市区卫平台 检查报告 (前置库 up_exam_report) — one row per exam report issued in the window (report_time,
-- half-open, local time). A voided report (作废) comes back with voided = 1.
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
    r.exam_type AS exam_type,
    r.exam_part AS exam_part,
    r.exam_time AS exam_time,
    r.report_time AS report_time,
    r.report_doctor_code AS report_doctor_code,
    r.report_dept_code AS report_dept_code
FROM exam_report r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
WHERE r.report_time >= :window_start AND r.report_time < :window_end
ORDER BY r.report_id
