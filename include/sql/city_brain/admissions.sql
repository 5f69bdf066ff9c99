-- 城市大脑·住院入科登记查询 (endpoint admissions): stays admitted (入院登记 adm_time) in the date range, of one patient
-- or of everybody, with the ward, room and bed they were put in (入科: stay_bed.bed_time) and how they stand.
-- A cancelled admission (status cancelled) is answered with stay_status 9.
-- Binds: patient_id (NULL: every patient); start_time and end_time (the range as [start 00:00, day after end
-- 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    i.adm_id AS adm_id,
    i.patient_id AS patient_id,
    '4' AS visit_type,
    i.medcasno AS medcas_no,
    i.adm_time AS adm_time,
    i.adm_dept_code AS dept_code,
    d.dept_name AS dept_name,
    b.ward_code AS ward_code,
    w.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    b.bed_time AS bed_time,
    i.chfpdr_code AS doctor_code,
    s.name AS doctor_name,
    i.resp_nurse_code AS nurse_code,
    n.name AS nurse_name,
    (SELECT MAX(g.diag_code) FROM stay_diagnosis g WHERE g.adm_id = i.adm_id AND g.maindiag_flag = '1')
        AS diag_code,
    (SELECT MAX(g.diag_name) FROM stay_diagnosis g WHERE g.adm_id = i.adm_id AND g.maindiag_flag = '1')
        AS diag_name,
    CASE WHEN i.status = 'cancelled' THEN '9' WHEN i.dscg_time IS NULL THEN '1' ELSE '2' END AS stay_status,
    i.dscg_time AS dscg_time,
    CASE WHEN p.psn_no IS NULL THEN '0' ELSE '1' END AS insured_flag,
    COALESCE((SELECT MAX(c.sign_type) FROM credit_sign c
               WHERE c.patient_id = i.patient_id AND c.signed_at <= i.adm_time
                 AND (c.end_time IS NULL OR c.end_time > i.adm_time)), '0') AS pay_type
FROM inpatient_stay i
LEFT JOIN patient p ON p.patient_id = i.patient_id
LEFT JOIN dept d ON d.dept_code = i.adm_dept_code
LEFT JOIN stay_bed b ON b.adm_id = i.adm_id
LEFT JOIN dept w ON w.dept_code = b.ward_code
LEFT JOIN staff s ON s.staff_code = i.chfpdr_code
LEFT JOIN staff n ON n.staff_code = i.resp_nurse_code
WHERE i.adm_time >= :start_time AND i.adm_time < :end_time
  AND COALESCE(:patient_id, i.patient_id) = i.patient_id
ORDER BY i.adm_time, i.adm_id
