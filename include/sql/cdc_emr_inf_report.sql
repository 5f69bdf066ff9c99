-- 传染病前置 emr_inf_report (传染病报告卡, 实时; a subset of the card, see tables.py) — one row per card
-- (infectious_report, id = report_id) whose last change falls in the window (half-open, local time): filing, the
-- 预防保健科 audit, an 订正 (revision + 1), a void (重卡 / 误报: voided = 1 → DELETE, or a flagged re-send).
-- The patient block (gender, birth date, nationality, nation, 现住址, 人群分类, phone, contact) is the patient's as
-- the HIS holds it when the card is read: a card is a snapshot, so a later change of the patient master does not
-- re-send it (the front-end has emr_patient_info for that).
-- Lookups are LEFT JOINs so that a card with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_inf_report.yaml (cdc_codes.yaml): visit_kind
-- O/E/I, id_type, gender, country, nation, occupation (人群分类), case_type YS/LC/QZ/BY (病例分类), dept_code.
-- disease_code is already the 前置软件 disease code (the HIS files cards with diag_dict.inf_disease_code).
SELECT
    c.report_id AS report_id,
    CASE WHEN c.status = 'voided' THEN 1 ELSE 0 END AS voided,
    c.patient_id AS patient_id,
    c.visit_kind AS visit_kind,
    COALESCE(c.reg_id, c.adm_id) AS serial_no,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.country_code AS country_code,
    x.nation_code AS nation_code,
    x.curr_addr_code AS curr_addr_code,
    x.curr_addr_name AS curr_addr_name,
    x.curr_addr_detail AS curr_addr_detail,
    x.occupation_code AS occupation_code,
    x.occupation_other AS occupation_other,
    p.phone AS tel,
    x.contact_name AS contact_name,
    x.contact_tel AS contact_tel,
    c.onset_date AS onset_date,
    c.diag_time AS diag_time,
    c.disease_code AS disease_code,
    c.disease_name AS disease_name,
    c.case_type AS case_type,
    c.death_date AS death_date,
    c.lab_conclusion AS lab_conclusion,
    c.report_time AS report_time,
    r.name AS reporter_name,
    c.remark AS remark,
    c.dept_code AS dept_code,
    d.dept_name AS dept_name,
    c.reporter_code AS reporter_code,
    c.updated_at AS updated_at
FROM infectious_report c
LEFT JOIN patient p ON p.patient_id = c.patient_id
LEFT JOIN patient_extra x ON x.patient_id = c.patient_id
LEFT JOIN staff r ON r.staff_code = c.reporter_code
LEFT JOIN dept d ON d.dept_code = c.dept_code
WHERE c.updated_at >= :window_start AND c.updated_at < :window_end
ORDER BY c.report_id
