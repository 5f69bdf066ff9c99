-- 省平台检查检验互认 uploadAppointment (预约信息) — one row per appointment (门诊号源, 检查 or 检验 预约).
-- Window (half-open, local time) on the appointment's last change: its booking, its cancellation, the patient's
-- arrival (attended) or the session's end for a no-show (missed). Each change re-sends the row with its new
-- status; the platform replaces the BusinessNo it holds. A cancelled appointment is a status (已取消), never a
-- delete: the HIS voids no appointment.
-- Lookups are LEFT JOINs so that an appointment with broken reference data is selected (and quarantined).
-- HIS codes are returned raw and mapped by include/mappings/mutual_appointment.yaml (mutual_codes.yaml,
-- mutual_items.yaml): id_type, appt_type, channel, status, and item_code (a lab panel or an exam item) → the
-- platform item code.
SELECT
    a.appt_id AS appt_id,
    a.patient_id AS patient_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    a.appt_type AS appt_type,
    a.dept_code AS dept_code,
    d.dept_name AS dept_name,
    a.doctor_code AS doctor_code,
    s.name AS doctor_name,
    a.item_code AS item_code,
    a.appt_date AS appt_date,
    a.start_time AS start_time,
    a.end_time AS end_time,
    a.channel AS channel,
    a.status AS status,
    a.booked_at AS booked_at,
    a.cancel_time AS cancel_time,
    a.updated_at AS updated_at
FROM appointment a
LEFT JOIN patient p ON p.patient_id = a.patient_id
LEFT JOIN patient_extra x ON x.patient_id = a.patient_id
LEFT JOIN dept d ON d.dept_code = a.dept_code
LEFT JOIN staff s ON s.staff_code = a.doctor_code
WHERE a.updated_at >= :window_start AND a.updated_at < :window_end
ORDER BY a.appt_id
