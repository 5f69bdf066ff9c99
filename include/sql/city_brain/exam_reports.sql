-- 城市大脑·检查信息查询 (endpoint examReports): the PACS reports (CT / DR / MR / 超声 / 病理) of one patient issued
-- or corrected (report_time) in the date range, each with its items from exam_report_items.sql (keyed by
-- report_id). A withdrawn report is answered with report_status 9.
-- report_status: 1 已出报告, 2 已更正 (revision > 1), 9 已撤回. abnormal_flag 1: an item read abnormal.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    e.report_id AS report_id,
    e.report_no AS report_no,
    e.apply_no AS apply_no,
    e.patient_id AS patient_id,
    CASE e.visit_kind WHEN 'E' THEN '2' WHEN 'I' THEN '4' ELSE '1' END AS visit_type,
    COALESCE(e.reg_id, e.adm_id) AS visit_id,
    e.reg_id AS reg_id,
    e.adm_id AS adm_id,
    e.exam_type AS exam_type,
    t.name AS exam_type_name,
    e.exam_part AS exam_part,
    e.exam_time AS exam_time,
    e.findings AS findings,
    e.conclusion AS conclusion,
    e.report_time AS report_time,
    e.apply_dept_code AS apply_dept_code,
    a.dept_name AS apply_dept_name,
    e.apply_doctor_code AS apply_doctor_code,
    p.name AS apply_doctor_name,
    e.report_dept_code AS report_dept_code,
    d.dept_name AS report_dept_name,
    e.report_doctor_code AS report_doctor_code,
    s.name AS report_doctor_name,
    e.audit_doctor_code AS audit_doctor_code,
    u.name AS audit_doctor_name,
    CASE WHEN e.status = 'voided' THEN '9' WHEN e.revision > 1 THEN '2' ELSE '1' END AS report_status,
    e.revision AS revision,
    CASE WHEN EXISTS (
        SELECT 1 FROM exam_report_item i
         WHERE i.report_id = e.report_id AND i.status = 'normal' AND i.result_code = 'A') THEN '1' ELSE '0' END
        AS abnormal_flag
FROM exam_report e
LEFT JOIN code_dict t ON t.dict_type = 'exam_type' AND t.code = e.exam_type
LEFT JOIN dept a ON a.dept_code = e.apply_dept_code
LEFT JOIN staff p ON p.staff_code = e.apply_doctor_code
LEFT JOIN dept d ON d.dept_code = e.report_dept_code
LEFT JOIN staff s ON s.staff_code = e.report_doctor_code
LEFT JOIN staff u ON u.staff_code = e.audit_doctor_code
WHERE e.patient_id = :patient_id
  AND e.report_time >= :start_time AND e.report_time < :end_time
ORDER BY e.report_time, e.report_id
