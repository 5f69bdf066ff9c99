-- 城市大脑·退号查询 (endpoint cancelledRegistrations): registrations 退号 (cancelled) or 退费 (refunded) in the
-- date range (退号时间 cancel_time), of one patient or of everybody.
-- Binds: patient_id (NULL: every patient); start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- pay_type: the 先诊疗后付费 sign in force when the registration was made, 0 when none.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    r.reg_id AS reg_id,
    r.patient_id AS patient_id,
    CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
    CASE r.reg_type WHEN 'expert' THEN '2' WHEN 'emergency' THEN '3' ELSE '1' END AS reg_type,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    r.doctor_code AS doctor_code,
    s.name AS doctor_name,
    r.visit_date AS visit_date,
    r.time_slot AS time_slot,
    r.queue_no AS queue_no,
    r.reg_time AS reg_time,
    CASE WHEN r.is_appointment = 1 THEN '1' ELSE '0' END AS appointment_flag,
    CASE r.status WHEN 'refunded' THEN '3' ELSE '2' END AS reg_status,
    r.cancel_time AS cancel_time,
    COALESCE((SELECT MAX(c.sign_type) FROM credit_sign c
               WHERE c.patient_id = r.patient_id AND c.signed_at <= r.reg_time
                 AND (c.end_time IS NULL OR c.end_time > r.reg_time)), '0') AS pay_type
FROM registration r
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.status IN ('cancelled', 'refunded')
  AND r.cancel_time >= :start_time AND r.cancel_time < :end_time
  AND COALESCE(:patient_id, r.patient_id) = r.patient_id
ORDER BY r.cancel_time, r.reg_id
