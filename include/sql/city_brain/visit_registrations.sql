-- 城市大脑·就诊登记查询 (endpoint visitRegistrations): one patient's visits that began in the date range — an
-- outpatient or emergency visit when the patient signed in (or, never signed in, was called: reg_time), a stay
-- when admitted (adm_time). Registrations 退号/退费 and cancelled stays are not visits.
-- visit_id is the reg_id or the adm_id (the visitId of the pushes); diag_*: the visit's main diagnosis so far;
-- insured_flag: the patient has a 医保 人员编号; pay_type: the 先诊疗后付费 sign in force when the visit began.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    v.visit_id AS visit_id,
    v.visit_type AS visit_type,
    v.patient_id AS patient_id,
    v.reg_id AS reg_id,
    v.adm_id AS adm_id,
    v.visit_time AS visit_time,
    v.end_time AS end_time,
    v.dept_code AS dept_code,
    d.dept_name AS dept_name,
    v.doctor_code AS doctor_code,
    s.name AS doctor_name,
    v.diag_code AS diag_code,
    v.diag_name AS diag_name,
    CASE WHEN p.psn_no IS NULL THEN '0' ELSE '1' END AS insured_flag,
    COALESCE((SELECT MAX(c.sign_type) FROM credit_sign c
               WHERE c.patient_id = v.patient_id AND c.signed_at <= v.visit_time
                 AND (c.end_time IS NULL OR c.end_time > v.visit_time)), '0') AS pay_type,
    v.visit_status AS visit_status
FROM (
    SELECT
        r.reg_id AS visit_id,
        CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
        r.patient_id AS patient_id,
        r.reg_id AS reg_id,
        NULL AS adm_id,
        COALESCE(r.sign_in_time, r.reg_time) AS visit_time,
        NULL AS end_time,
        r.dept_code AS dept_code,
        r.doctor_code AS doctor_code,
        (SELECT MAX(g.diag_code) FROM visit_diagnosis g
          WHERE g.reg_id = r.reg_id AND g.main_flag = '1' AND g.status = 'normal') AS diag_code,
        (SELECT MAX(g.diag_name) FROM visit_diagnosis g
          WHERE g.reg_id = r.reg_id AND g.main_flag = '1' AND g.status = 'normal') AS diag_name,
        CASE WHEN r.visit_status = 'done' THEN '2' ELSE '1' END AS visit_status
    FROM registration r
    WHERE r.status = 'normal'
      AND (r.sign_in_time IS NOT NULL OR r.visit_status IN ('called', 'done'))
    UNION ALL
    SELECT
        i.adm_id AS visit_id,
        '4' AS visit_type,
        i.patient_id AS patient_id,
        NULL AS reg_id,
        i.adm_id AS adm_id,
        i.adm_time AS visit_time,
        i.dscg_time AS end_time,
        i.adm_dept_code AS dept_code,
        i.chfpdr_code AS doctor_code,
        (SELECT MAX(g.diag_code) FROM stay_diagnosis g WHERE g.adm_id = i.adm_id AND g.maindiag_flag = '1')
            AS diag_code,
        (SELECT MAX(g.diag_name) FROM stay_diagnosis g WHERE g.adm_id = i.adm_id AND g.maindiag_flag = '1')
            AS diag_name,
        CASE WHEN i.dscg_time IS NULL THEN '1' ELSE '2' END AS visit_status
    FROM inpatient_stay i
    WHERE i.status <> 'cancelled'
) v
LEFT JOIN patient p ON p.patient_id = v.patient_id
LEFT JOIN dept d ON d.dept_code = v.dept_code
LEFT JOIN staff s ON s.staff_code = v.doctor_code
WHERE v.patient_id = :patient_id
  AND v.visit_time >= :start_time AND v.visit_time < :end_time
ORDER BY v.visit_time, v.visit_id
