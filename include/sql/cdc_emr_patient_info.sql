-- 传染病前置·患者基本信息 (emr_patient_info): one row per patient (id = patient.patient_id) whose master changed in
-- the bound window (patient_extra.updated_at is the last change of patient or patient_extra; a patient without
-- patient_extra counts from patient.created_at), OR who has a clinical record changed in the window. The second
-- part is what lets a patient registered years ago appear before his first visit of the day reaches the
-- front-end: every clinical table names its patient_id as a parent, and a child whose patient the front-end
-- does not hold is quarantined. A patient selected again without a change has the same source row, so the
-- pipeline skips him (no message): only operation_time = the master's last change is sent, never the visit's.
-- The patient table has no operator column: operator_id is left out. Patients are never voided in the HIS.
-- Codes are returned raw and translated by include/mappings/cdc_codes.yaml (gender, id_type, marital …).
SELECT
    p.patient_id AS id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.country_code AS country_code,
    x.nation_code AS nation_code,
    x.perm_addr_code AS perm_addr_code,
    x.perm_addr_name AS perm_addr_name,
    x.perm_addr_detail AS perm_addr_detail,
    x.curr_addr_code AS curr_addr_code,
    x.curr_addr_name AS curr_addr_name,
    x.curr_addr_detail AS curr_addr_detail,
    x.workunit AS workunit,
    x.marital_code AS marital_code,
    x.education_code AS education_code,
    x.occupation_code AS occupation_code,
    x.occupation_other AS occupation_other,
    p.phone AS tel,
    x.contact_name AS contact_name,
    x.contact_tel AS contact_tel,
    COALESCE(x.updated_at, p.created_at) AS changed_at
FROM patient p
LEFT JOIN patient_extra x ON x.patient_id = p.patient_id
WHERE p.patient_id IN (
    SELECT e.patient_id FROM patient_extra e
     WHERE e.updated_at >= :window_start AND e.updated_at < :window_end
    UNION SELECT n.patient_id FROM patient n
     WHERE n.created_at >= :window_start AND n.created_at < :window_end
    UNION SELECT r.patient_id FROM registration r
     WHERE r.updated_at >= :window_start AND r.updated_at < :window_end
    UNION SELECT s.patient_id FROM inpatient_stay s
     WHERE s.updated_at >= :window_start AND s.updated_at < :window_end
    UNION SELECT vd.patient_id FROM visit_diagnosis vd
     WHERE vd.updated_at >= :window_start AND vd.updated_at < :window_end
    UNION SELECT o.patient_id FROM outpatient_note o
     WHERE o.updated_at >= :window_start AND o.updated_at < :window_end
    UNION SELECT eo.patient_id FROM er_observation eo
     WHERE eo.updated_at >= :window_start AND eo.updated_at < :window_end
    UNION SELECT an.patient_id FROM admission_note an
     WHERE an.updated_at >= :window_start AND an.updated_at < :window_end
    UNION SELECT cn.patient_id FROM course_note cn
     WHERE cn.updated_at >= :window_start AND cn.updated_at < :window_end
    UNION SELECT dn.patient_id FROM discharge_note dn
     WHERE dn.updated_at >= :window_start AND dn.updated_at < :window_end
    UNION SELECT fp.patient_id FROM front_page fp
     WHERE fp.updated_at >= :window_start AND fp.updated_at < :window_end
    UNION SELECT er.patient_id FROM exam_report er
     WHERE er.updated_at >= :window_start AND er.updated_at < :window_end
    UNION SELECT lr.patient_id FROM lab_report lr
     WHERE lr.updated_at >= :window_start AND lr.updated_at < :window_end
    UNION SELECT co.patient_id FROM clinical_order co
     WHERE co.updated_at >= :window_start AND co.updated_at < :window_end
    UNION SELECT vs.patient_id FROM vital_sign vs
     WHERE vs.updated_at >= :window_start AND vs.updated_at < :window_end
    UNION SELECT dr.patient_id FROM death_record dr
     WHERE dr.updated_at >= :window_start AND dr.updated_at < :window_end
    UNION SELECT ir.patient_id FROM infectious_report ir
     WHERE ir.updated_at >= :window_start AND ir.updated_at < :window_end
)
ORDER BY p.patient_id
