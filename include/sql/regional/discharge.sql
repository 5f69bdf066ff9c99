-- 市区卫平台 出院 (前置库 up_discharge) — one row per inpatient stay discharged in the window (dscg_time, half-open,
-- local time). A stay whose discharge was cancelled has no dscg_time and is not selected; a cancelled stay comes
-- back with voided = 1.
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
    i.dscg_time AS dscg_time,
    i.dscg_dept_code AS dscg_dept_code,
    d.dept_name AS dscg_dept_name,
    i.dscg_way AS dscg_way
FROM inpatient_stay i
LEFT JOIN patient p ON p.patient_id = i.patient_id
LEFT JOIN patient_extra x ON x.patient_id = i.patient_id
LEFT JOIN dept d ON d.dept_code = i.dscg_dept_code
WHERE i.dscg_time >= :window_start AND i.dscg_time < :window_end
ORDER BY i.adm_id
