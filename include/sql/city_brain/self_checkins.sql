-- 城市大脑·自助签到查询 (endpoint selfCheckins): one patient's sign-ins (签到, registration.sign_in_time: at a
-- kiosk, the nurse station or by phone) in the date range, with the queue they joined and how the visit went on.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    r.reg_id AS reg_id,
    r.patient_id AS patient_id,
    CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
    r.sign_in_time AS checkin_time,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    r.doctor_code AS doctor_code,
    s.name AS doctor_name,
    r.room_code AS room_code,
    m.room_name AS room_name,
    m.location AS room_location,
    r.visit_date AS visit_date,
    r.time_slot AS time_slot,
    r.queue_no AS queue_no,
    CASE r.visit_status WHEN 'called' THEN '1' WHEN 'done' THEN '2' WHEN 'absent' THEN '3' ELSE '0' END
        AS visit_status,
    CASE r.status WHEN 'cancelled' THEN '2' WHEN 'refunded' THEN '3' ELSE '1' END AS reg_status
FROM registration r
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
LEFT JOIN room m ON m.room_code = r.room_code
WHERE r.patient_id = :patient_id
  AND r.sign_in_time >= :start_time AND r.sign_in_time < :end_time
ORDER BY r.sign_in_time, r.reg_id
