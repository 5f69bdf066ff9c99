-- 城市大脑·病历详情 (endpoint medicalRecordDetail): one clinical document (record types as in medical_records.sql)
-- in one shape: the history and examination sections a document has, its diagnoses, and what it says of the
-- course and the treatment; a section the document type does not have is NULL.
-- Where the sections come from: present_illness is the 出院记录's 入院情况; outcome_desc its 出院情况; course_text the
-- 留观/日常病程 text, the 首次病程's 病例特点 or the 出院记录's 诊疗经过; advice the 处理意见, 注意事项, 诊疗计划 /
-- 医嘱内容 or 出院医嘱; the 入院记录's diagnoses are the latest it holds (确定, else 修正, else 初步).
-- Binds: record_type, record_id. At most one row (none: answer 2004).
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
    m.record_time AS record_time,
    m.dept_code AS dept_code,
    d.dept_name AS dept_name,
    m.doctor_code AS doctor_code,
    s.name AS doctor_name,
    m.chief_complaint AS chief_complaint,
    m.present_illness AS present_illness,
    m.past_illness AS past_illness,
    m.personal_his AS personal_his,
    m.family_his AS family_his,
    m.allergy_his AS allergy_his,
    m.physical_exam AS physical_exam,
    m.specialty_exam AS specialty_exam,
    m.studies_summary AS studies_summary,
    m.diag_codes AS diag_codes,
    m.diag_names AS diag_names,
    m.tcm_diag_name AS tcm_diag_name,
    m.tcm_syndrome_name AS tcm_syndrome_name,
    m.course_text AS course_text,
    m.treatment AS treatment,
    m.advice AS advice,
    m.outcome_desc AS outcome_desc,
    m.sign_time AS sign_time,
    CASE WHEN m.status = 'voided' THEN '9' ELSE '1' END AS record_status,
    m.revision AS revision
FROM (
    SELECT '01' AS record_type, n.note_id AS record_id, n.patient_id AS patient_id,
           CASE WHEN g.reg_type = 'emergency' THEN '2' ELSE '1' END AS visit_type, n.reg_id AS reg_id,
           NULL AS adm_id, n.visit_time AS record_time, n.dept_code AS dept_code, n.doctor_code AS doctor_code,
           n.chief_complaint AS chief_complaint, n.present_illness AS present_illness,
           n.past_illness AS past_illness, n.personal_his AS personal_his, n.family_his AS family_his,
           n.allergy_his AS allergy_his, n.physical_exam AS physical_exam, NULL AS specialty_exam,
           n.studies_summary AS studies_summary, n.diag_codes AS diag_codes, n.diag_names AS diag_names,
           n.tcm_diag_name AS tcm_diag_name, n.tcm_syndrome_name AS tcm_syndrome_name, NULL AS course_text,
           n.treatment AS treatment, n.advice AS advice, NULL AS outcome_desc, n.sign_time AS sign_time,
           n.status AS status, n.revision AS revision
    FROM outpatient_note n
    LEFT JOIN registration g ON g.reg_id = n.reg_id
    UNION ALL
    SELECT '02', o.obs_id, o.patient_id, '2', o.reg_id, NULL, o.in_time, o.dept_code, o.doctor_code,
           o.chief_complaint, o.present_illness, o.past_illness, NULL, NULL, o.allergy_his, o.physical_exam, NULL,
           o.studies_summary, o.diag_codes, o.diag_names, o.tcm_diag_name, o.tcm_syndrome_name, o.course_text,
           o.treatment, o.precautions, NULL, NULL, o.status, o.revision
    FROM er_observation o
    UNION ALL
    SELECT '03', a.note_id, a.patient_id, '4', NULL, a.adm_id, a.record_time, a.dept_code,
           COALESCE(a.resident_code, a.visit_doctor_code), a.chief_complaint, a.present_illness, a.past_illness,
           a.personal_his, a.family_his, a.allergy_his, a.physical_exam, a.specialty_exam, a.studies_summary,
           COALESCE(a.conf_diag_codes, a.rev_diag_codes, a.init_diag_codes),
           COALESCE(a.conf_diag_names, a.rev_diag_names, a.init_diag_names),
           COALESCE(a.conf_tcm_name, a.rev_tcm_name, a.init_tcm_name),
           COALESCE(a.conf_syn_name, a.rev_syn_name, a.init_syn_name), NULL, a.treatment, NULL, NULL, a.sign_time,
           a.status, a.revision
    FROM admission_note a
    UNION ALL
    SELECT CASE WHEN c.note_type = 'SC' THEN '04' ELSE '05' END, c.note_id, c.patient_id, '4', NULL, c.adm_id,
           c.record_time, c.dept_code, c.doctor_code, c.chief_complaint, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, c.diag_codes, c.diag_names, c.tcm_diag_name, c.tcm_syn_name,
           COALESCE(c.course_text, c.case_summary), c.treatment, COALESCE(c.treatment_plan, c.order_content), NULL,
           c.sign_time, c.status, c.revision
    FROM course_note c
    UNION ALL
    SELECT '06', x.note_id, x.patient_id, '4', NULL, x.adm_id, x.record_time, x.dept_code,
           COALESCE(x.resident_code, x.attending_code), NULL, x.adm_desc, NULL, NULL, NULL, NULL, x.dscg_signs, NULL,
           x.studies_summary, x.dscg_diag_codes, x.dscg_diag_names, x.dscg_tcm_name, x.dscg_syn_name,
           x.treatment_desc, x.treatment, x.dscg_advice, x.dscg_desc, NULL, x.status, x.revision
    FROM discharge_note x
) m
LEFT JOIN dept d ON d.dept_code = m.dept_code
LEFT JOIN staff s ON s.staff_code = m.doctor_code
WHERE m.record_type = :record_type AND m.record_id = :record_id
