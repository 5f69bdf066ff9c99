-- 省平台检查检验互认 uploadRegistration (挂号信息) — one row per outpatient or emergency registration (GHId = reg_id,
-- the id every 互认 record of the visit carries).
-- Window (half-open, local time) on the registration's last change: its making (at the window or by 预约), the
-- patient's sign-in or consultation, or its 退号 / 退费. A 退号 is a status (已退号, with its time), re-sent over the
-- registration the platform holds; the HIS deletes no registration.
-- Lookups are LEFT JOINs so that a registration with broken reference data is selected (and quarantined).
-- HIS codes are returned raw and mapped by include/mappings/mutual_registration.yaml (mutual_codes.yaml): gender,
-- id_type, reg_type (号别, and 急诊 or 门诊), status, is_appointment.
SELECT
    r.reg_id AS reg_id,
    r.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    r.reg_type AS reg_type,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    r.doctor_code AS doctor_code,
    s.name AS doctor_name,
    r.visit_date AS visit_date,
    r.reg_time AS reg_time,
    r.is_appointment AS is_appointment,
    r.status AS status,
    r.cancel_time AS cancel_time,
    r.updated_at AS updated_at
FROM registration r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.updated_at >= :window_start AND r.updated_at < :window_end
ORDER BY r.reg_id
