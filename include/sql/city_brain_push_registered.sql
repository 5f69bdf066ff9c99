-- 城市大脑·医院数据推送通知 REGISTERED (挂号): one event per outpatient or emergency registration, when it was made
-- (挂号时间 reg_time; a 预约挂号 when it was booked, which may be days before the visit). eventId
-- REGISTERED:<reg_id> is the parent every later event of the visit names (registration_event_id), so none of them
-- reaches the city brain before it. A registration later cancelled stays registered: its 退号 is an event of its own.
-- Only what is fixed when the registration is made: the doctor of a 专家号 (booked by name); a 普通号 or 急诊号 gets
-- its doctor when called, so it is left out here (an event is a fact: its content does not change afterwards).
-- Window (half-open, local time) on reg_time; rows in the order they happened (one event in flight keeps it).
-- Portable SQL (Oracle, PostgreSQL, SQLite): || concatenates; every piece of the summary is COALESCEd because
-- PostgreSQL's || yields NULL for a NULL piece (Oracle's takes it as '').
SELECT
    'REGISTERED:' || r.reg_id AS event_id,
    r.patient_id AS patient_id,
    r.reg_id AS visit_id,
    CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
    r.reg_time AS occurred_at,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    CASE WHEN r.reg_type = 'expert' THEN r.doctor_code END AS doctor_code,
    CASE WHEN r.reg_type = 'expert' THEN s.name END AS doctor_name,
    '挂号：' || COALESCE(d.dept_name, r.dept_code)
        || CASE r.reg_type WHEN 'expert' THEN '专家号' WHEN 'emergency' THEN '急诊号' ELSE '普通号' END
        || '，' || CASE r.time_slot WHEN '1' THEN '上午' WHEN '2' THEN '下午' ELSE '晚间' END
        || '第' || CAST(r.queue_no AS VARCHAR(10)) || '号'
        || CASE WHEN r.is_appointment = 1 THEN '（预约挂号）' ELSE '' END AS summary
FROM registration r
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.reg_time >= :window_start AND r.reg_time < :window_end
ORDER BY r.reg_time, r.reg_id
