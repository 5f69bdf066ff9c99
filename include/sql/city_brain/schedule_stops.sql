-- 城市大脑·挂号停诊查询 (endpoint scheduleStops): doctors' sessions stopped (停诊) on the days of the range (the
-- session's start, session_start), of one department or all; a stop later revoked (恢复出诊) is answered with its
-- status and revoke time.
-- affected_count: the clinic bookings (appointment, still booked) of the doctor within the stopped session — the
-- patients the city brain should tell.
-- Binds: dept_code (NULL: every department); start_time and end_time (the range as [start 00:00, day after end
-- 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    t.stop_id AS stop_id,
    t.dept_code AS dept_code,
    d.dept_name AS dept_name,
    t.doctor_code AS doctor_code,
    s.name AS doctor_name,
    s.title AS doctor_title,
    t.stop_date AS stop_date,
    t.time_slot AS time_slot,
    t.session_start AS session_start,
    t.session_end AS session_end,
    t.reason AS reason,
    t.sub_doctor_code AS sub_doctor_code,
    u.name AS sub_doctor_name,
    t.announced_at AS announced_at,
    CASE WHEN t.status = 'revoked' THEN '0' ELSE '1' END AS stop_status,
    t.revoke_time AS revoke_time,
    (SELECT COUNT(*) FROM appointment a
      WHERE a.appt_type = 'clinic' AND a.status = 'booked' AND a.doctor_code = t.doctor_code
        AND a.start_time >= t.session_start AND a.start_time < t.session_end) AS affected_count
FROM schedule_stop t
LEFT JOIN dept d ON d.dept_code = t.dept_code
LEFT JOIN staff s ON s.staff_code = t.doctor_code
LEFT JOIN staff u ON u.staff_code = t.sub_doctor_code
WHERE t.session_start >= :start_time AND t.session_start < :end_time
  AND COALESCE(:dept_code, t.dept_code) = t.dept_code
ORDER BY t.session_start, t.stop_id
