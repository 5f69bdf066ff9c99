-- 传染病前置 emr_discharge_info (出院记录, 常规 "次日") — one row per discharge note (discharge_note, id = note_id)
-- whose last change falls in the window (half-open, local time): signing, an edit, a void; the note of a cancelled
-- stay comes back with voided = 1. A stay ended by death has no discharge note (emr_death_info carries it).
-- Ward / room / bed from the stay's bed (stay_bed); 病情转归 (outcome) is kept as the HIS's words and mapped.
-- Lookups are LEFT JOINs so that a note with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_discharge_info.yaml (cdc_codes.yaml):
-- id_type, outcome (治愈/好转/未愈/死亡/其他), dept_code (院内科室 → 前置软件标准科室).
SELECT
    n.note_id AS note_id,
    CASE WHEN n.status = 'voided' OR s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    n.patient_id AS patient_id,
    n.adm_id AS adm_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card,
    w.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    n.adm_time AS adm_time,
    n.adm_desc AS adm_desc,
    n.adm_diag_codes AS adm_diag_codes,
    n.adm_diag_names AS adm_diag_names,
    n.studies_summary AS studies_summary,
    n.tcm_observation AS tcm_observation,
    n.treatment AS treatment,
    n.treatment_desc AS treatment_desc,
    n.tcm_decoction AS tcm_decoction,
    n.tcm_usage AS tcm_usage,
    n.dscg_desc AS dscg_desc,
    n.dscg_time AS dscg_time,
    n.dscg_diag_codes AS dscg_diag_codes,
    n.dscg_diag_names AS dscg_diag_names,
    n.dscg_tcm_code AS dscg_tcm_code,
    n.dscg_tcm_name AS dscg_tcm_name,
    n.dscg_syn_code AS dscg_syn_code,
    n.dscg_syn_name AS dscg_syn_name,
    n.dscg_signs AS dscg_signs,
    n.dscg_advice AS dscg_advice,
    n.resident_code AS resident_code,
    n.attending_code AS attending_code,
    n.outcome AS outcome,
    n.dept_code AS dept_code,
    d.dept_name AS dept_name,
    n.updated_at AS updated_at
FROM discharge_note n
LEFT JOIN inpatient_stay s ON s.adm_id = n.adm_id
LEFT JOIN patient p ON p.patient_id = n.patient_id
LEFT JOIN patient_extra x ON x.patient_id = n.patient_id
LEFT JOIN stay_bed b ON b.adm_id = n.adm_id
LEFT JOIN dept w ON w.dept_code = b.ward_code
LEFT JOIN dept d ON d.dept_code = n.dept_code
WHERE (n.updated_at >= :window_start AND n.updated_at < :window_end)
   OR (s.status = 'cancelled' AND s.updated_at >= :window_start AND s.updated_at < :window_end)
ORDER BY n.note_id
