-- 城市大脑·医院历史数据抓取 visit (就诊记录): every outpatient and emergency registration (registration, made in the
-- window: 挂号时间 reg_time) and every inpatient stay (inpatient_stay, admitted in the window: adm_time), whatever
-- became of it: a 退号 / 退费 or a cancelled admission is sent with cancelled 1. recordId = visitId (reg_id | adm_id).
-- diagnosis: the visit's main western-medicine diagnosis (visit_diagnosis / stay_diagnosis, main flag, 西医 type,
-- not voided); several rows per visit are possible — the pipeline keeps the first (lowest seq_no: ORDER BY).
-- pay_type: the 先诊疗后付费 sign (credit_sign) in force when the visit began, 0 when none.
-- Window (half-open, local time) on the visit's time; ORDER BY the record id, so a record's rows are adjacent.
-- Portable SQL (Oracle, PostgreSQL, SQLite).
SELECT
    v.visit_id AS visit_id,
    v.patient_id AS patient_id,
    v.visit_type AS visit_type,
    v.dept_code AS dept_code,
    d.dept_name AS dept_name,
    v.doctor_code AS doctor_code,
    s.name AS doctor_name,
    v.visit_time AS visit_time,
    v.discharge_time AS discharge_time,
    v.diagnosis_code AS diagnosis_code,
    v.diagnosis_name AS diagnosis_name,
    COALESCE((SELECT MAX(c.sign_type) FROM credit_sign c
               WHERE c.patient_id = v.patient_id AND c.signed_at <= v.visit_time
                 AND (c.end_time IS NULL OR c.end_time > v.visit_time)), '0') AS pay_type,
    v.cancelled AS cancelled
FROM (
    SELECT
        r.reg_id AS visit_id,
        r.patient_id AS patient_id,
        CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type,
        r.dept_code AS dept_code,
        r.doctor_code AS doctor_code,
        r.reg_time AS visit_time,
        NULL AS discharge_time,
        g.diag_code AS diagnosis_code,
        g.diag_name AS diagnosis_name,
        g.seq_no AS diagnosis_seq,
        CASE WHEN r.status IN ('cancelled', 'refunded') THEN '1' ELSE '0' END AS cancelled
    FROM registration r
    LEFT JOIN visit_diagnosis g
        ON g.reg_id = r.reg_id AND g.main_flag = '1' AND g.diag_type = '1' AND g.status = 'normal'
    WHERE r.reg_time >= :window_start AND r.reg_time < :window_end
    UNION ALL
    SELECT
        a.adm_id AS visit_id,
        a.patient_id AS patient_id,
        '4' AS visit_type,
        a.adm_dept_code AS dept_code,
        a.chfpdr_code AS doctor_code,
        a.adm_time AS visit_time,
        a.dscg_time AS discharge_time,
        g.diag_code AS diagnosis_code,
        g.diag_name AS diagnosis_name,
        g.seq_no AS diagnosis_seq,
        CASE WHEN a.status = 'cancelled' THEN '1' ELSE '0' END AS cancelled
    FROM inpatient_stay a
    LEFT JOIN stay_diagnosis g ON g.adm_id = a.adm_id AND g.maindiag_flag = '1' AND g.diag_type = '1'
    WHERE a.adm_time >= :window_start AND a.adm_time < :window_end
) v
LEFT JOIN dept d ON d.dept_code = v.dept_code
LEFT JOIN staff s ON s.staff_code = v.doctor_code
ORDER BY v.visit_id, v.diagnosis_seq
