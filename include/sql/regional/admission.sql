-- 市区卫平台 入院 (前置库 up_admission) — one row per inpatient stay admitted in the window (adm_time, half-open,
-- local time). A cancelled stay (登记作废) comes back with voided = 1.
SELECT
    i.adm_id AS adm_id,
    CASE WHEN i.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    i.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    i.medcasno AS medcasno,
    i.adm_time AS adm_time,
    i.adm_dept_code AS adm_dept_code,
    d.dept_name AS adm_dept_name,
    i.chfpdr_code AS doctor_code,
    s.name AS doctor_name
FROM inpatient_stay i
LEFT JOIN patient p ON p.patient_id = i.patient_id
LEFT JOIN patient_extra x ON x.patient_id = i.patient_id
LEFT JOIN dept d ON d.dept_code = i.adm_dept_code
LEFT JOIN staff s ON s.staff_code = i.chfpdr_code
WHERE i.adm_time >= :window_start AND i.adm_time < :window_end
ORDER BY i.adm_id
