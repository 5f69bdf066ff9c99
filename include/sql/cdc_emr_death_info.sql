-- 传染病前置 emr_death_info (死亡信息, 常规 T+0) — one row per death record (death_record).
-- Window (half-open, local time) on the record's last change (writing, a correction, a void).
-- A death during a stay is a 住院 activity with the 住院号 as serial_number; a death without a stay (in the
-- emergency room) is taken as an 急诊 activity without a serial number.
-- Lookups are LEFT JOINs so that a row with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_death_info.yaml (cdc_codes.yaml):
--   visit_kind O/E/I (就诊活动类型), id_type SFZ/HZ/…, dept_code (院内科室 → 前置软件标准科室).
SELECT
    r.death_id AS death_id,
    CASE WHEN r.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.patient_id AS patient_id,
    CASE WHEN r.adm_id IS NULL THEN 'E' ELSE 'I' END AS visit_kind,
    r.adm_id AS adm_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    r.treatment_desc AS treatment_desc,
    r.death_time AS death_time,
    r.direct_cause_code AS direct_cause_code,
    r.direct_cause_name AS direct_cause_name,
    r.death_diag_code AS death_diag_code,
    r.death_diag_name AS death_diag_name,
    r.attending_code AS attending_code,
    r.dept_code AS dept_code,
    d.dept_name AS dept_name,
    r.updated_at AS updated_at
FROM death_record r
LEFT JOIN patient p ON p.patient_id = r.patient_id
LEFT JOIN patient_extra x ON x.patient_id = r.patient_id
LEFT JOIN dept d ON d.dept_code = r.dept_code
WHERE r.updated_at >= :window_start AND r.updated_at < :window_end
ORDER BY r.death_id
