-- 传染病前置 emr_activity_info (诊疗活动信息, 实时) — one row per clinical event, the id prefixed by its source so
-- that ids of different HIS tables never collide:
--   REG:<reg_id>      1 门诊 / 2 急诊 (registration; reg_type 'emergency' = 急诊), at the registration time;
--                     re-sent when the visit's note or diagnoses change (the diagnoses arrive after registering);
--                     voided when the registration is cancelled or refunded, or the patient never came (absent)
--   OBSIN:<obs_id>    3 留观入观 and OBSOUT:<obs_id> 4 留观出观 (er_observation; OBSOUT once out_time is set)
--   ADM:<adm_id>      5 入院 (inpatient_stay, at adm_time; texts from the admission note when it is written)
--   SC:<note_id>      7 首次病程 and RC:<note_id> 8 日常病程 (course_note, at record_time)
--   DSC:<adm_id>      9 出院 (inpatient_stay, at dscg_time — a death ends the stay too, without a discharge note)
-- Window (half-open, local time) on the event's own time or its source's last change, written as "key IN (one
-- UNION of indexed look-ups)" rather than ORs across joins, so that a continuous run reads the window's rows only.
-- An activity of an inpatient event is voided when the stay is cancelled (取消入院).
-- Diagnoses: outpatient / ER events from visit_diagnosis, inpatient events from stay_diagnosis — the main western
-- diagnosis (diag_type 1, main flag 1), a 中医病名 (2) and 中医证候 (3) (lowest code). disease_code / disease_name is the
-- 前置软件 infectious-disease code of a notifiable diagnosis of the visit or stay (diag_dict.inf_disease_code; the
-- lowest code when there are several, with its name), NULL when none is notifiable. Correlated subqueries (not
-- outer joins to a subquery) so that the SQL runs on Oracle 11g as well.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_activity_info.yaml (cdc_codes.yaml):
-- id_type SFZ/HZ/…, dept_code (院内科室 → 前置软件标准科室). act_type is already the national 就诊活动类型 code:
-- which event a row is follows from its source table, not from a HIS code.
SELECT a.* FROM (
    SELECT
        'REG:' || r.reg_id AS id,
        CASE WHEN r.status <> 'normal' OR r.visit_status = 'absent' THEN 1 ELSE 0 END AS voided,
        r.patient_id AS patient_id,
        CASE WHEN r.reg_type = 'emergency' THEN '2' ELSE '1' END AS act_type,
        r.reg_id AS serial_no,
        p.name AS patient_name,
        x.id_type AS id_type,
        p.id_card_no AS id_card,
        r.reg_time AS activity_time,
        o.chief_complaint AS chief_complaint,
        o.present_illness AS present_illness,
        o.physical_exam AS physical_exam,
        o.studies_summary AS studies_summary,
        md.diag_time AS diag_time,
        (SELECT MIN(d1.inf_disease_code) FROM visit_diagnosis v1
           JOIN diag_dict d1 ON d1.diag_code = v1.diag_code
          WHERE v1.reg_id = r.reg_id AND v1.status = 'normal') AS inf_code,
        (SELECT MIN(d2.inf_disease_name) FROM visit_diagnosis v2
           JOIN diag_dict d2 ON d2.diag_code = v2.diag_code
          WHERE v2.reg_id = r.reg_id AND v2.status = 'normal'
            AND d2.inf_disease_code = (SELECT MIN(d3.inf_disease_code) FROM visit_diagnosis v3
                                         JOIN diag_dict d3 ON d3.diag_code = v3.diag_code
                                        WHERE v3.reg_id = r.reg_id AND v3.status = 'normal')) AS inf_name,
        md.diag_code AS wm_code,
        md.diag_name AS wm_name,
        (SELECT MIN(t1.diag_code) FROM visit_diagnosis t1
          WHERE t1.reg_id = r.reg_id AND t1.diag_type = '2' AND t1.status = 'normal') AS tcm_code,
        (SELECT MIN(t2.diag_name) FROM visit_diagnosis t2
          WHERE t2.reg_id = r.reg_id AND t2.diag_type = '2' AND t2.status = 'normal') AS tcm_name,
        (SELECT MIN(t3.diag_code) FROM visit_diagnosis t3
          WHERE t3.reg_id = r.reg_id AND t3.diag_type = '3' AND t3.status = 'normal') AS syn_code,
        (SELECT MIN(t4.diag_name) FROM visit_diagnosis t4
          WHERE t4.reg_id = r.reg_id AND t4.diag_type = '3' AND t4.status = 'normal') AS syn_name,
        sd.name AS fill_doctor,
        r.dept_code AS dept_code,
        dp.dept_name AS dept_name,
        COALESCE(md.doctor_code, r.doctor_code) AS operator_id,
        CASE WHEN o.updated_at > r.updated_at AND (md.updated_at IS NULL OR o.updated_at >= md.updated_at)
             THEN o.updated_at
             WHEN md.updated_at > r.updated_at THEN md.updated_at
             ELSE r.updated_at END AS changed_at
    FROM registration r
    LEFT JOIN patient p ON p.patient_id = r.patient_id
    LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
    LEFT JOIN outpatient_note o ON o.reg_id = r.reg_id AND o.status <> 'voided'
    LEFT JOIN visit_diagnosis md
        ON md.reg_id = r.reg_id AND md.diag_type = '1' AND md.main_flag = '1' AND md.status = 'normal'
    LEFT JOIN staff sd ON sd.staff_code = md.doctor_code
    LEFT JOIN dept dp ON dp.dept_code = r.dept_code
    WHERE r.reg_id IN (
        SELECT r1.reg_id FROM registration r1
         WHERE r1.updated_at >= :window_start AND r1.updated_at < :window_end
        UNION SELECT o1.reg_id FROM outpatient_note o1
         WHERE o1.updated_at >= :window_start AND o1.updated_at < :window_end
        UNION SELECT w1.reg_id FROM visit_diagnosis w1
         WHERE w1.updated_at >= :window_start AND w1.updated_at < :window_end)
    UNION ALL
    SELECT
        'OBSIN:' || e.obs_id AS id,
        CASE WHEN e.status = 'voided' THEN 1 ELSE 0 END AS voided,
        e.patient_id AS patient_id,
        '3' AS act_type,
        e.reg_id AS serial_no,
        p.name AS patient_name,
        x.id_type AS id_type,
        p.id_card_no AS id_card,
        e.in_time AS activity_time,
        e.chief_complaint AS chief_complaint,
        e.present_illness AS present_illness,
        e.physical_exam AS physical_exam,
        e.studies_summary AS studies_summary,
        md.diag_time AS diag_time,
        (SELECT MIN(d1.inf_disease_code) FROM visit_diagnosis v1
           JOIN diag_dict d1 ON d1.diag_code = v1.diag_code
          WHERE v1.reg_id = e.reg_id AND v1.status = 'normal') AS inf_code,
        (SELECT MIN(d2.inf_disease_name) FROM visit_diagnosis v2
           JOIN diag_dict d2 ON d2.diag_code = v2.diag_code
          WHERE v2.reg_id = e.reg_id AND v2.status = 'normal'
            AND d2.inf_disease_code = (SELECT MIN(d3.inf_disease_code) FROM visit_diagnosis v3
                                         JOIN diag_dict d3 ON d3.diag_code = v3.diag_code
                                        WHERE v3.reg_id = e.reg_id AND v3.status = 'normal')) AS inf_name,
        md.diag_code AS wm_code,
        md.diag_name AS wm_name,
        e.tcm_diag_code AS tcm_code,
        e.tcm_diag_name AS tcm_name,
        e.tcm_syndrome_code AS syn_code,
        e.tcm_syndrome_name AS syn_name,
        sd.name AS fill_doctor,
        e.dept_code AS dept_code,
        dp.dept_name AS dept_name,
        e.doctor_code AS operator_id,
        e.updated_at AS changed_at
    FROM er_observation e
    LEFT JOIN patient p ON p.patient_id = e.patient_id
    LEFT JOIN patient_extra x ON x.patient_id = e.patient_id
    LEFT JOIN visit_diagnosis md
        ON md.reg_id = e.reg_id AND md.diag_type = '1' AND md.main_flag = '1' AND md.status = 'normal'
    LEFT JOIN staff sd ON sd.staff_code = e.doctor_code
    LEFT JOIN dept dp ON dp.dept_code = e.dept_code
    WHERE e.updated_at >= :window_start AND e.updated_at < :window_end
    UNION ALL
    SELECT
        'OBSOUT:' || e.obs_id AS id,
        CASE WHEN e.status = 'voided' THEN 1 ELSE 0 END AS voided,
        e.patient_id AS patient_id,
        '4' AS act_type,
        e.reg_id AS serial_no,
        p.name AS patient_name,
        x.id_type AS id_type,
        p.id_card_no AS id_card,
        e.out_time AS activity_time,
        e.chief_complaint AS chief_complaint,
        e.course_text AS present_illness,
        e.physical_exam AS physical_exam,
        e.studies_summary AS studies_summary,
        md.diag_time AS diag_time,
        (SELECT MIN(d1.inf_disease_code) FROM visit_diagnosis v1
           JOIN diag_dict d1 ON d1.diag_code = v1.diag_code
          WHERE v1.reg_id = e.reg_id AND v1.status = 'normal') AS inf_code,
        (SELECT MIN(d2.inf_disease_name) FROM visit_diagnosis v2
           JOIN diag_dict d2 ON d2.diag_code = v2.diag_code
          WHERE v2.reg_id = e.reg_id AND v2.status = 'normal'
            AND d2.inf_disease_code = (SELECT MIN(d3.inf_disease_code) FROM visit_diagnosis v3
                                         JOIN diag_dict d3 ON d3.diag_code = v3.diag_code
                                        WHERE v3.reg_id = e.reg_id AND v3.status = 'normal')) AS inf_name,
        md.diag_code AS wm_code,
        md.diag_name AS wm_name,
        e.tcm_diag_code AS tcm_code,
        e.tcm_diag_name AS tcm_name,
        e.tcm_syndrome_code AS syn_code,
        e.tcm_syndrome_name AS syn_name,
        sd.name AS fill_doctor,
        e.dept_code AS dept_code,
        dp.dept_name AS dept_name,
        e.doctor_code AS operator_id,
        e.updated_at AS changed_at
    FROM er_observation e
    LEFT JOIN patient p ON p.patient_id = e.patient_id
    LEFT JOIN patient_extra x ON x.patient_id = e.patient_id
    LEFT JOIN visit_diagnosis md
        ON md.reg_id = e.reg_id AND md.diag_type = '1' AND md.main_flag = '1' AND md.status = 'normal'
    LEFT JOIN staff sd ON sd.staff_code = e.doctor_code
    LEFT JOIN dept dp ON dp.dept_code = e.dept_code
    WHERE e.updated_at >= :window_start AND e.updated_at < :window_end
      AND e.out_time IS NOT NULL
    UNION ALL
    SELECT
        'ADM:' || s.adm_id AS id,
        CASE WHEN s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
        s.patient_id AS patient_id,
        '5' AS act_type,
        s.adm_id AS serial_no,
        p.name AS patient_name,
        x.id_type AS id_type,
        p.id_card_no AS id_card,
        s.adm_time AS activity_time,
        a.chief_complaint AS chief_complaint,
        a.present_illness AS present_illness,
        a.physical_exam AS physical_exam,
        a.studies_summary AS studies_summary,
        a.init_diag_time AS diag_time,
        (SELECT MIN(d1.inf_disease_code) FROM stay_diagnosis g1
           JOIN diag_dict d1 ON d1.diag_code = g1.diag_code
          WHERE g1.adm_id = s.adm_id) AS inf_code,
        (SELECT MIN(d2.inf_disease_name) FROM stay_diagnosis g2
           JOIN diag_dict d2 ON d2.diag_code = g2.diag_code
          WHERE g2.adm_id = s.adm_id
            AND d2.inf_disease_code = (SELECT MIN(d3.inf_disease_code) FROM stay_diagnosis g3
                                         JOIN diag_dict d3 ON d3.diag_code = g3.diag_code
                                        WHERE g3.adm_id = s.adm_id)) AS inf_name,
        md.diag_code AS wm_code,
        md.diag_name AS wm_name,
        (SELECT MIN(t1.diag_code) FROM stay_diagnosis t1 WHERE t1.adm_id = s.adm_id AND t1.diag_type = '2') AS tcm_code,
        (SELECT MIN(t2.diag_name) FROM stay_diagnosis t2 WHERE t2.adm_id = s.adm_id AND t2.diag_type = '2') AS tcm_name,
        (SELECT MIN(t3.diag_code) FROM stay_diagnosis t3 WHERE t3.adm_id = s.adm_id AND t3.diag_type = '3') AS syn_code,
        (SELECT MIN(t4.diag_name) FROM stay_diagnosis t4 WHERE t4.adm_id = s.adm_id AND t4.diag_type = '3') AS syn_name,
        sd.name AS fill_doctor,
        s.adm_dept_code AS dept_code,
        dp.dept_name AS dept_name,
        COALESCE(a.visit_doctor_code, s.chfpdr_code) AS operator_id,
        CASE WHEN s.status = 'cancelled' THEN s.updated_at
             WHEN a.updated_at IS NOT NULL THEN a.updated_at
             ELSE s.adm_time END AS changed_at
    FROM inpatient_stay s
    LEFT JOIN patient p ON p.patient_id = s.patient_id
    LEFT JOIN patient_extra x ON x.patient_id = s.patient_id
    LEFT JOIN admission_note a ON a.adm_id = s.adm_id AND a.status <> 'voided'
    LEFT JOIN stay_diagnosis md
        ON md.adm_id = s.adm_id AND md.diag_type = '1' AND md.maindiag_flag = '1'
    LEFT JOIN staff sd ON sd.staff_code = COALESCE(a.visit_doctor_code, s.chfpdr_code)
    LEFT JOIN dept dp ON dp.dept_code = s.adm_dept_code
    WHERE s.adm_id IN (
        SELECT s1.adm_id FROM inpatient_stay s1
         WHERE s1.adm_time >= :window_start AND s1.adm_time < :window_end
        UNION SELECT a1.adm_id FROM admission_note a1
         WHERE a1.updated_at >= :window_start AND a1.updated_at < :window_end
        UNION SELECT s2.adm_id FROM inpatient_stay s2
         WHERE s2.status = 'cancelled' AND s2.updated_at >= :window_start AND s2.updated_at < :window_end)
    UNION ALL
    SELECT
        c.note_type || ':' || c.note_id AS id,
        CASE WHEN c.status = 'voided' OR s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
        c.patient_id AS patient_id,
        CASE WHEN c.note_type = 'SC' THEN '7' ELSE '8' END AS act_type,
        c.adm_id AS serial_no,
        p.name AS patient_name,
        x.id_type AS id_type,
        p.id_card_no AS id_card,
        c.record_time AS activity_time,
        c.chief_complaint AS chief_complaint,
        COALESCE(c.case_summary, c.course_text) AS present_illness,
        CAST(NULL AS VARCHAR(1)) AS physical_exam,
        CAST(NULL AS VARCHAR(1)) AS studies_summary,
        c.record_time AS diag_time,
        (SELECT MIN(d1.inf_disease_code) FROM stay_diagnosis g1
           JOIN diag_dict d1 ON d1.diag_code = g1.diag_code
          WHERE g1.adm_id = c.adm_id) AS inf_code,
        (SELECT MIN(d2.inf_disease_name) FROM stay_diagnosis g2
           JOIN diag_dict d2 ON d2.diag_code = g2.diag_code
          WHERE g2.adm_id = c.adm_id
            AND d2.inf_disease_code = (SELECT MIN(d3.inf_disease_code) FROM stay_diagnosis g3
                                         JOIN diag_dict d3 ON d3.diag_code = g3.diag_code
                                        WHERE g3.adm_id = c.adm_id)) AS inf_name,
        md.diag_code AS wm_code,
        md.diag_name AS wm_name,
        (SELECT MIN(t1.diag_code) FROM stay_diagnosis t1 WHERE t1.adm_id = c.adm_id AND t1.diag_type = '2') AS tcm_code,
        (SELECT MIN(t2.diag_name) FROM stay_diagnosis t2 WHERE t2.adm_id = c.adm_id AND t2.diag_type = '2') AS tcm_name,
        (SELECT MIN(t3.diag_code) FROM stay_diagnosis t3 WHERE t3.adm_id = c.adm_id AND t3.diag_type = '3') AS syn_code,
        (SELECT MIN(t4.diag_name) FROM stay_diagnosis t4 WHERE t4.adm_id = c.adm_id AND t4.diag_type = '3') AS syn_name,
        sd.name AS fill_doctor,
        c.dept_code AS dept_code,
        dp.dept_name AS dept_name,
        c.doctor_code AS operator_id,
        CASE WHEN s.status = 'cancelled' AND s.updated_at > c.updated_at THEN s.updated_at
             ELSE c.updated_at END AS changed_at
    FROM course_note c
    LEFT JOIN inpatient_stay s ON s.adm_id = c.adm_id
    LEFT JOIN patient p ON p.patient_id = c.patient_id
    LEFT JOIN patient_extra x ON x.patient_id = c.patient_id
    LEFT JOIN stay_diagnosis md
        ON md.adm_id = c.adm_id AND md.diag_type = '1' AND md.maindiag_flag = '1'
    LEFT JOIN staff sd ON sd.staff_code = c.doctor_code
    LEFT JOIN dept dp ON dp.dept_code = c.dept_code
    WHERE (c.updated_at >= :window_start AND c.updated_at < :window_end)
       OR (s.status = 'cancelled' AND s.updated_at >= :window_start AND s.updated_at < :window_end)
    UNION ALL
    SELECT
        'DSC:' || s.adm_id AS id,
        CASE WHEN s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
        s.patient_id AS patient_id,
        '9' AS act_type,
        s.adm_id AS serial_no,
        p.name AS patient_name,
        x.id_type AS id_type,
        p.id_card_no AS id_card,
        s.dscg_time AS activity_time,
        CAST(NULL AS VARCHAR(1)) AS chief_complaint,
        n.adm_desc AS present_illness,
        n.dscg_signs AS physical_exam,
        n.studies_summary AS studies_summary,
        s.dscg_time AS diag_time,
        (SELECT MIN(d1.inf_disease_code) FROM stay_diagnosis g1
           JOIN diag_dict d1 ON d1.diag_code = g1.diag_code
          WHERE g1.adm_id = s.adm_id) AS inf_code,
        (SELECT MIN(d2.inf_disease_name) FROM stay_diagnosis g2
           JOIN diag_dict d2 ON d2.diag_code = g2.diag_code
          WHERE g2.adm_id = s.adm_id
            AND d2.inf_disease_code = (SELECT MIN(d3.inf_disease_code) FROM stay_diagnosis g3
                                         JOIN diag_dict d3 ON d3.diag_code = g3.diag_code
                                        WHERE g3.adm_id = s.adm_id)) AS inf_name,
        md.diag_code AS wm_code,
        md.diag_name AS wm_name,
        (SELECT MIN(t1.diag_code) FROM stay_diagnosis t1 WHERE t1.adm_id = s.adm_id AND t1.diag_type = '2') AS tcm_code,
        (SELECT MIN(t2.diag_name) FROM stay_diagnosis t2 WHERE t2.adm_id = s.adm_id AND t2.diag_type = '2') AS tcm_name,
        (SELECT MIN(t3.diag_code) FROM stay_diagnosis t3 WHERE t3.adm_id = s.adm_id AND t3.diag_type = '3') AS syn_code,
        (SELECT MIN(t4.diag_name) FROM stay_diagnosis t4 WHERE t4.adm_id = s.adm_id AND t4.diag_type = '3') AS syn_name,
        sd.name AS fill_doctor,
        s.dscg_dept_code AS dept_code,
        dp.dept_name AS dept_name,
        COALESCE(n.attending_code, s.chfpdr_code) AS operator_id,
        CASE WHEN s.status = 'cancelled' THEN s.updated_at
             WHEN n.updated_at IS NOT NULL THEN n.updated_at
             ELSE s.dscg_time END AS changed_at
    FROM inpatient_stay s
    LEFT JOIN patient p ON p.patient_id = s.patient_id
    LEFT JOIN patient_extra x ON x.patient_id = s.patient_id
    LEFT JOIN discharge_note n ON n.adm_id = s.adm_id AND n.status <> 'voided'
    LEFT JOIN stay_diagnosis md
        ON md.adm_id = s.adm_id AND md.diag_type = '1' AND md.maindiag_flag = '1'
    LEFT JOIN staff sd ON sd.staff_code = COALESCE(n.attending_code, s.chfpdr_code)
    LEFT JOIN dept dp ON dp.dept_code = s.dscg_dept_code
    WHERE s.dscg_time IS NOT NULL
      AND s.adm_id IN (
        SELECT s1.adm_id FROM inpatient_stay s1
         WHERE s1.dscg_time >= :window_start AND s1.dscg_time < :window_end
        UNION SELECT n1.adm_id FROM discharge_note n1
         WHERE n1.updated_at >= :window_start AND n1.updated_at < :window_end
        UNION SELECT s2.adm_id FROM inpatient_stay s2
         WHERE s2.status = 'cancelled' AND s2.updated_at >= :window_start AND s2.updated_at < :window_end)
) a
ORDER BY a.id
