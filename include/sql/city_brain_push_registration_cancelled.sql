-- 城市大脑·医院数据推送通知 REGISTRATION_CANCELLED (退号): one event per registration cancelled (status cancelled:
-- 退号 before the visit) or refunded (status refunded: 退号 with the registration fee paid back), when it happened
-- (cancel_time). eventId REGISTRATION_CANCELLED:<reg_id>; it follows the visit's REGISTERED event (parent).
-- Window (half-open, local time) on cancel_time; rows in the order they happened.
-- Portable SQL (Oracle, PostgreSQL, SQLite); see city_brain_push_registered.sql for the summary's COALESCEs.
SELECT
    'REGISTRATION_CANCELLED:' || r.reg_id AS event_id,
    r.patient_id AS patient_id,
    r.reg_id AS visit_id,
    CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
    r.cancel_time AS occurred_at,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    CASE WHEN r.reg_type = 'expert' THEN r.doctor_code END AS doctor_code,
    CASE WHEN r.reg_type = 'expert' THEN s.name END AS doctor_name,
    CASE WHEN r.status = 'refunded' THEN '退号退费：' ELSE '退号：' END || COALESCE(d.dept_name, r.dept_code)
        || CASE r.reg_type WHEN 'expert' THEN '专家号' WHEN 'emergency' THEN '急诊号' ELSE '普通号' END AS summary,
    'REGISTERED:' || r.reg_id AS registration_event_id
FROM registration r
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.status IN ('cancelled', 'refunded')
  AND r.cancel_time >= :window_start AND r.cancel_time < :window_end
ORDER BY r.cancel_time, r.reg_id
