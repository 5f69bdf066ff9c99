-- 市区卫平台 处方 (前置库 up_prescription) — one row per outpatient prescription written in the window (rx_time,
-- half-open, local time), with its number of drug lines. A prescription whose status is not 'normal' (作废) comes
-- back with voided = 1.
SELECT
    rx.rx_no AS rx_no,
    CASE WHEN rx.status = 'normal' THEN 0 ELSE 1 END AS voided,
    rx.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    rx.reg_id AS reg_id,
    rx.rx_time AS rx_time,
    rx.dept_code AS dept_code,
    d.dept_name AS dept_name,
    rx.doctor_code AS doctor_code,
    s.name AS doctor_name,
    rx.setl_type AS setl_type,
    (SELECT COUNT(*) FROM sale_line l WHERE l.rx_no = rx.rx_no) AS line_count
FROM prescription rx
LEFT JOIN patient p ON p.patient_id = rx.patient_id
LEFT JOIN patient_extra x ON x.patient_id = rx.patient_id
LEFT JOIN dept d ON d.dept_code = rx.dept_code
LEFT JOIN staff s ON s.staff_code = rx.doctor_code
WHERE rx.rx_time >= :window_start AND rx.rx_time < :window_end
ORDER BY rx.rx_no
