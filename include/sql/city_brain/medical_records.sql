-- 城市大脑·病历列表 (endpoint medicalRecords): the clinical documents of one patient written (record_time) in the
-- date range: 01 门（急）诊病历 (outpatient_note), 02 急诊留观记录 (er_observation), 03 入院记录 (admission_note),
-- 04 首次病程记录 and 05 日常病程记录 (course_note SC / RC), 06 出院记录 (discharge_note). The content of one is
-- medicalRecordDetail's (by record_type and record_id).
-- record_status: 1 已签名/有效, 9 作废. diag_names: the document's diagnoses as it lists them (comma separated).
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    m.record_type AS record_type,
    CASE m.record_type
        WHEN '01' THEN '门（急）诊病历' WHEN '02' THEN '急诊留观记录' WHEN '03' THEN '入院记录'
        WHEN '04' THEN '首次病程记录' WHEN '05' THEN '日常病程记录' ELSE '出院记录'
    END AS record_type_name,
    m.record_id AS record_id,
    m.patient_id AS patient_id,
    m.visit_type AS visit_type,
    COALESCE(m.reg_id, m.adm_id) AS visit_id,
    m.reg_id AS reg_id,
    m.adm_id AS adm_id,
    m.record_time AS record_time,
    m.dept_code AS dept_code,
    d.dept_name AS dept_name,
    m.doctor_code AS doctor_code,
    s.name AS doctor_name,
    m.diag_names AS diag_names,
    CASE WHEN m.status = 'voided' THEN '9' ELSE '1' END AS record_status,
    m.revision AS revision
FROM (
    SELECT '01' AS record_type, n.note_id AS record_id, n.patient_id AS patient_id,
           CASE WHEN g.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type, n.reg_id AS reg_id,
           NULL AS adm_id, n.visit_time AS record_time, n.dept_code AS dept_code, n.doctor_code AS doctor_code,
           n.diag_names AS diag_names, n.status AS status, n.revision AS revision
    FROM outpatient_note n
    LEFT JOIN registration g ON g.reg_id = n.reg_id
    UNION ALL
    SELECT '02', o.obs_id, o.patient_id, '2', o.reg_id, NULL, o.in_time, o.dept_code, o.doctor_code, o.diag_names,
           o.status, o.revision
    FROM er_observation o
    UNION ALL
    SELECT '03', a.note_id, a.patient_id, '4', NULL, a.adm_id, a.record_time, a.dept_code,
           COALESCE(a.resident_code, a.visit_doctor_code),
           COALESCE(a.conf_diag_names, a.rev_diag_names, a.init_diag_names), a.status, a.revision
    FROM admission_note a
    UNION ALL
    SELECT CASE WHEN c.note_type = 'SC' THEN '04' ELSE '05' END, c.note_id, c.patient_id, '4', NULL, c.adm_id,
           c.record_time, c.dept_code, c.doctor_code, c.diag_names, c.status, c.revision
    FROM course_note c
    UNION ALL
    SELECT '06', x.note_id, x.patient_id, '4', NULL, x.adm_id, x.record_time, x.dept_code,
           COALESCE(x.resident_code, x.attending_code), x.dscg_diag_names, x.status, x.revision
    FROM discharge_note x
) m
LEFT JOIN dept d ON d.dept_code = m.dept_code
LEFT JOIN staff s ON s.staff_code = m.doctor_code
WHERE m.patient_id = :patient_id
  AND m.record_time >= :start_time AND m.record_time < :end_time
ORDER BY m.record_time, m.record_id
