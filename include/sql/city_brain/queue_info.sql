-- 城市大脑·门诊排队信息 (endpoint queueInfo): where one registration stands in its queue. A queue is a doctor's
-- session: same 就诊日期, department, doctor (a 普通号 without a doctor queues with the department's others) and
-- 时段, numbered by queue_no, as the registration desk numbers them.
-- current_no: the highest number called so far (visit_status called or done) — the one at the door or just seen;
-- waiting_count: patients signed in and still waiting with a lower number; queue_total: valid registrations.
-- Bind: reg_id. At most one row (none: answer 2004).
-- One pass over the queue (the most-polled endpoint): the registration joined to its queue's valid registrations,
-- counted with conditional aggregates (an index on registration (visit_date, dept_code, time_slot) finds them).
-- COALESCE(doctor_code, '-') matches the doctor-less queue (Oracle reads '' as NULL, hence '-').
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    r.reg_id AS reg_id,
    r.patient_id AS patient_id,
    CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
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
    r.sign_in_time AS checkin_time,
    CASE r.visit_status WHEN 'called' THEN '1' WHEN 'done' THEN '2' WHEN 'absent' THEN '3' ELSE '0' END
        AS visit_status,
    CASE r.status WHEN 'cancelled' THEN '2' WHEN 'refunded' THEN '3' ELSE '1' END AS reg_status,
    MAX(CASE WHEN q.visit_status IN ('called', 'done') THEN q.queue_no END) AS current_no,
    COUNT(CASE WHEN q.visit_status = 'waiting' AND q.sign_in_time IS NOT NULL AND q.queue_no < r.queue_no
               THEN 1 END) AS waiting_count,
    COUNT(q.reg_id) AS queue_total
FROM registration r
LEFT JOIN registration q
    ON q.visit_date = r.visit_date AND q.dept_code = r.dept_code AND q.time_slot = r.time_slot
   AND COALESCE(q.doctor_code, '-') = COALESCE(r.doctor_code, '-') AND q.status = 'normal'
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
LEFT JOIN room m ON m.room_code = r.room_code
WHERE r.reg_id = :reg_id
GROUP BY r.reg_id, r.patient_id, r.reg_type, r.dept_code, d.dept_name, r.doctor_code, s.name, r.room_code,
    m.room_name, m.location, r.visit_date, r.time_slot, r.queue_no, r.sign_in_time, r.visit_status, r.status
