-- 传染病前置 emr_vital_signs_record (生命体征·护理记录单, 常规 T+0) — one row per nursing record (vital_sign) of a
-- stay. The front-end's table carries only the ventilator and ICU flags (no temperature, pulse or blood pressure
-- columns: platforms.md §1.6), so those are not selected.
-- Window (half-open, local time) on the record's last change (writing, a correction, a void) OR on the stay's
-- cancellation (取消入院): the records of a cancelled stay come back with voided = 1.
-- serial_number = the 住院号 (vital_sign.adm_id); the activity type is 住院 (a constant in the YAML).
-- Lookups are LEFT JOINs so that a row with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_vital_signs_record.yaml (cdc_codes.yaml):
--   id_type SFZ/HZ/…, ventilator_flag and icu_flag Y/N, dept_code (院内科室 → 前置软件标准科室).
SELECT
    v.record_id AS record_id,
    CASE WHEN v.status = 'voided' OR s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    v.patient_id AS patient_id,
    v.adm_id AS adm_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    v.record_time AS record_time,
    v.ventilator_flag AS ventilator_flag,
    v.icu_flag AS icu_flag,
    v.nurse_code AS nurse_code,
    v.dept_code AS dept_code,
    d.dept_name AS dept_name,
    v.updated_at AS updated_at
FROM vital_sign v
LEFT JOIN inpatient_stay s ON s.adm_id = v.adm_id
LEFT JOIN patient p ON p.patient_id = v.patient_id
LEFT JOIN patient_extra x ON x.patient_id = v.patient_id
LEFT JOIN dept d ON d.dept_code = v.dept_code
WHERE (v.updated_at >= :window_start AND v.updated_at < :window_end)
   OR (s.status = 'cancelled' AND s.updated_at >= :window_start AND s.updated_at < :window_end)
ORDER BY v.record_id
