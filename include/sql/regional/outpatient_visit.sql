-- 市区卫平台 门急诊就诊 (前置库 up_outpatient_visit) — one row per outpatient/emergency registration whose 挂号时间
-- (reg_time) falls in the window (half-open, local time). The day a visit counts in is its registration day: the
-- HIS keeps visit_date as a DATE, which the window's timestamp binds cannot compare portably (SQLite stores it as
-- text), and the platform's 门诊挂号 data set is keyed by 挂号时间 anyway [inf]. A 退号/退费 comes back with
-- voided = 1 (withdrawn from the 前置库 if it was delivered; not counted in the day's figures).
SELECT
    r.reg_id AS reg_id,
    CASE WHEN r.status IN ('cancelled', 'refunded') THEN 1 ELSE 0 END AS voided,
    r.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    r.reg_type AS reg_type,
    r.reg_time AS reg_time,
    r.visit_date AS visit_date,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    r.doctor_code AS doctor_code,
    s.name AS doctor_name
FROM registration r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
LEFT JOIN dept d ON d.dept_code = r.dept_code
LEFT JOIN staff s ON s.staff_code = r.doctor_code
WHERE r.reg_time >= :window_start AND r.reg_time < :window_end
ORDER BY r.reg_id
