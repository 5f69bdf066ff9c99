-- 城市大脑·查询住院医嘱 (endpoint inpatientOrders): the orders of one stay (长期 L / 临时 T, and any prescription
-- written on the ward), newest last, with their drugs from order_items.sql (keyed by order_no).
-- order_status: 1 执行中 (or 待执行), 2 已停止, 9 作废.
-- Bind: adm_id.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    c.order_id AS order_id,
    c.order_no AS order_no,
    c.adm_id AS adm_id,
    c.patient_id AS patient_id,
    CASE c.order_type WHEN 'L' THEN '1' WHEN 'T' THEN '2' ELSE '3' END AS order_kind,
    c.issue_time AS issue_time,
    c.dept_code AS dept_code,
    d.dept_name AS dept_name,
    c.doctor_code AS doctor_code,
    s.name AS doctor_name,
    c.exec_time AS exec_time,
    c.stop_time AS stop_time,
    c.pharmacist_code AS pharmacist_code,
    h.name AS pharmacist_name,
    CASE c.status WHEN 'stopped' THEN '2' WHEN 'voided' THEN '9' ELSE '1' END AS order_status,
    c.remark AS remark
FROM clinical_order c
LEFT JOIN dept d ON d.dept_code = c.dept_code
LEFT JOIN staff s ON s.staff_code = c.doctor_code
LEFT JOIN staff h ON h.staff_code = c.pharmacist_code
WHERE c.adm_id = :adm_id
ORDER BY c.issue_time, c.order_id
