-- 城市大脑·医院数据推送通知 CHECKED_IN (签到): one event per registration signed in at the clinic (sign_in_time, by
-- the queue system or a self-service kiosk), when it happened. eventId CHECKED_IN:<reg_id>; it follows the visit's
-- REGISTERED event (parent). The doctor is named for a 专家号 only (fixed when booked; see registered.sql).
-- Window (half-open, local time) on sign_in_time; rows in the order they happened.
-- Portable SQL (Oracle, PostgreSQL, SQLite); see city_brain_push_registered.sql for the summary's COALESCEs.
SELECT
    'CHECKED_IN:' || r.reg_id AS event_id,
    r.patient_id AS patient_id,
    r.reg_id AS visit_id,
    CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
    r.sign_in_time AS occurred_at,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    CASE WHEN r.reg_type = 'expert' THEN r.doctor_code END AS doctor_code,
    CASE WHEN r.reg_type = 'expert' THEN s.name END AS doctor_name,
    '签到：' || COALESCE(d.dept_name, r.dept_code) || '，第' || CAST(r.queue_no AS VARCHAR(10)) || '号候诊'
        AS summary,
    'REGISTERED:' || r.reg_id AS registration_event_id
FROM registration r
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.sign_in_time >= :window_start AND r.sign_in_time < :window_end
ORDER BY r.sign_in_time, r.reg_id
