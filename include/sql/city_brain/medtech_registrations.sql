-- 城市大脑·医技登记查询 (endpoint medtechRegistrations): one patient's 检验/检查 registered at the 医技 department in
-- the date range (医技登记: the lab received the specimen, or the exam was registered — register_time), from the
-- 申请单 (medtech_apply), with the report once there is one.
-- apply_status: 2 已登记 (awaiting the report), 3 已出报告, 9 取消 (cancelled after registering).
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    a.apply_no AS apply_no,
    CASE WHEN a.apply_kind = 'lab' THEN '1' ELSE '2' END AS apply_kind,
    a.patient_id AS patient_id,
    CASE a.visit_kind WHEN 'E' THEN '2' WHEN 'I' THEN '4' ELSE '1' END AS visit_type,
    COALESCE(a.reg_id, a.adm_id) AS visit_id,
    a.reg_id AS reg_id,
    a.adm_id AS adm_id,
    a.item_code AS item_code,
    a.item_name AS item_name,
    a.apply_time AS apply_time,
    a.apply_dept_code AS dept_code,
    d.dept_name AS dept_name,
    a.apply_doctor_code AS doctor_code,
    s.name AS doctor_name,
    a.exec_dept_code AS exec_dept_code,
    e.dept_name AS exec_dept_name,
    a.register_time AS register_time,
    a.register_no AS register_no,
    CASE a.status WHEN 'reported' THEN '3' WHEN 'cancelled' THEN '9' ELSE '2' END AS apply_status,
    a.report_id AS report_id,
    a.amount AS amount
FROM medtech_apply a
LEFT JOIN dept d ON d.dept_code = a.apply_dept_code
LEFT JOIN staff s ON s.staff_code = a.apply_doctor_code
LEFT JOIN dept e ON e.dept_code = a.exec_dept_code
WHERE a.patient_id = :patient_id
  AND a.register_time >= :start_time AND a.register_time < :end_time
ORDER BY a.register_time, a.apply_no
