-- 传染病前置 emr_daily_course (住院日常病程记录, 常规 T+0) — one row per daily course note (course_note, note_type
-- 'RC': 查房记录 and the like). Window (half-open, local time) on the note's last change (signing, an edit, a
-- void) OR on the stay's cancellation (取消入院): the notes of a cancelled stay come back with voided = 1.
-- serial_number = the 住院号 (inpatient_stay.adm_id); ward / room / bed from the stay's bed (stay_bed).
-- Lookups are LEFT JOINs so that a note with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_daily_course.yaml (cdc_codes.yaml):
--   id_type SFZ/HZ/…, outcome (病情转归, kept as words: 治愈/好转/未愈/死亡/其他), dept_code.
SELECT
    c.note_id AS note_id,
    CASE WHEN c.status = 'voided' OR s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    c.patient_id AS patient_id,
    c.adm_id AS adm_id,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    w.dept_name AS ward_name,
    b.room_no AS room_no,
    b.bed_no AS bed_no,
    c.record_time AS record_time,
    c.course_text AS course_text,
    c.order_content AS order_content,
    c.tcm_observation AS tcm_observation,
    c.treatment AS treatment,
    c.outcome AS outcome,
    c.doctor_code AS doctor_code,
    c.dept_code AS dept_code,
    d.dept_name AS dept_name,
    c.updated_at AS updated_at
FROM course_note c
LEFT JOIN inpatient_stay s ON s.adm_id = c.adm_id
LEFT JOIN patient p ON p.patient_id = c.patient_id
LEFT JOIN patient_extra x ON x.patient_id = c.patient_id
LEFT JOIN stay_bed b ON b.adm_id = c.adm_id
LEFT JOIN dept w ON w.dept_code = b.ward_code
LEFT JOIN dept d ON d.dept_code = c.dept_code
WHERE c.note_type = 'RC'
  AND ((c.updated_at >= :window_start AND c.updated_at < :window_end)
       OR (s.status = 'cancelled' AND s.updated_at >= :window_start AND s.updated_at < :window_end))
ORDER BY c.note_id
