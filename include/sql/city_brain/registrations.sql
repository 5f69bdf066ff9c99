-- 城市大脑·挂号查询 (endpoint registrations): one patient's registrations made (挂号时间 reg_time) in the date
-- range, whatever became of them: 退号 and 退费 stay in the answer with their status and time. A 预约挂号 is made
-- when it is booked, so a booking for a later day is found by the day it was booked.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Codes are the answer's, translated here from the HIS's: 号别 (reg_type normal / expert / emergency), 就诊状态
-- (visit_status waiting / called / done / absent), 挂号状态 (status normal / cancelled / refunded).
-- pay_type: the 先诊疗后付费 sign (credit_sign) in force when the registration was made, 0 when none.
-- Lookups are scalar subqueries or LEFT JOINs on keys, so that one registration is one row.
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
    s.title AS doctor_title,
    r.room_code AS room_code,
    m.room_name AS room_name,
    m.location AS room_location,
    r.visit_date AS visit_date,
    r.time_slot AS time_slot,
    r.queue_no AS queue_no,
    r.reg_time AS reg_time,
    CASE WHEN r.is_appointment = 1 THEN '1' ELSE '0' END AS appointment_flag,
    (SELECT MAX(a.channel) FROM appointment a
      WHERE a.reg_id = r.reg_id AND a.appt_type = 'clinic') AS book_channel,
    r.sign_in_time AS checkin_time,
    CASE r.visit_status WHEN 'called' THEN '1' WHEN 'done' THEN '2' WHEN 'absent' THEN '3' ELSE '0' END
        AS visit_status,
    CASE r.status WHEN 'cancelled' THEN '2' WHEN 'refunded' THEN '3' ELSE '1' END AS reg_status,
    r.cancel_time AS cancel_time,
    COALESCE((SELECT MAX(c.sign_type) FROM credit_sign c
               WHERE c.patient_id = r.patient_id AND c.signed_at <= r.reg_time
                 AND (c.end_time IS NULL OR c.end_time > r.reg_time)), '0') AS pay_type
FROM registration r
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
LEFT JOIN room m ON m.room_code = r.room_code
WHERE r.patient_id = :patient_id
  AND r.reg_time >= :start_time AND r.reg_time < :end_time
ORDER BY r.reg_time, r.reg_id
