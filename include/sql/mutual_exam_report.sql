-- 省平台检查检验互认 uploadExamReport (检查报告) — one row per exam item (exam_report_item) with its report
-- (exam_report): the platform keeps one 检查报告 per item (CheckProjCode), the BusinessNo is the item's id.
-- Window (half-open, local time) on the item's last change OR on its report's last change, united in a subquery:
-- a revised report (new findings or conclusion, revision + 1) brings its items back and they are re-sent (the
-- platform replaces a BusinessNo it holds); a withdrawn report or item comes back with voided = 1 and is deleted
-- on the platform. A row selected again unchanged is skipped by the pipeline, never sent twice. UpdateTime is the
-- later of the two changes.
-- DiagNo (就诊流水): the admission for inpatients, else the registration (GHId); PatNo the patient id (门诊号),
-- HospitalNo the admission. CheckRecNo (检查号) is the PACS's exam id (exam_report.report_id).
-- Lookups are LEFT JOINs so that an item with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/mutual_exam_report.yaml (mutual_codes.yaml,
-- mutual_items.yaml): gender, id_type, visit_kind, exam_type, result_code, and item_code → the platform item
-- (CheckProjCode / DataCode) and its 互认 flags (an item radiology has not mapped is quarantined "代码未对照").
SELECT
    i.item_id AS item_id,
    CASE WHEN i.status = 'voided' OR h.status = 'voided' THEN 1 ELSE 0 END AS voided,
    h.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    h.visit_kind AS visit_kind,
    COALESCE(h.adm_id, h.reg_id) AS diag_no,
    h.adm_id AS adm_id,
    wd.dept_name AS ward_name,
    b.bed_no AS bed_no,
    h.apply_no AS apply_no,
    h.apply_dept_code AS apply_dept_code,
    ad.dept_name AS apply_dept_name,
    h.apply_doctor_code AS apply_doctor_code,
    ap.name AS apply_doctor_name,
    i.report_id AS exam_id,
    h.exam_type AS exam_type,
    i.item_code AS item_code,
    i.item_name AS item_name,
    h.exam_part AS exam_part,
    h.findings AS findings,
    h.conclusion AS conclusion,
    i.result_code AS result_code,
    h.report_doctor_code AS report_doctor_code,
    rp.name AS report_doctor_name,
    COALESCE(h.audit_doctor_code, h.report_doctor_code) AS audit_doctor_code,
    COALESCE(au.name, rp.name) AS audit_doctor_name,
    h.report_no AS report_no,
    h.report_time AS report_time,
    h.report_dept_code AS report_dept_code,
    rd.dept_name AS report_dept_name,
    CASE WHEN h.updated_at > i.updated_at THEN h.updated_at ELSE i.updated_at END AS updated_at
FROM (
    SELECT w.item_id AS item_id
    FROM exam_report_item w
    WHERE w.updated_at >= :window_start AND w.updated_at < :window_end
    UNION
    SELECT v.item_id AS item_id
    FROM exam_report vh
    JOIN exam_report_item v ON v.report_id = vh.report_id
    WHERE vh.updated_at >= :window_start AND vh.updated_at < :window_end
) k
JOIN exam_report_item i ON i.item_id = k.item_id
LEFT JOIN exam_report h ON h.report_id = i.report_id
LEFT JOIN patient p ON p.patient_id = h.patient_id
LEFT JOIN patient_extra x ON x.patient_id = h.patient_id
LEFT JOIN stay_bed b ON b.adm_id = h.adm_id
LEFT JOIN dept wd ON wd.dept_code = b.ward_code
LEFT JOIN dept ad ON ad.dept_code = h.apply_dept_code
LEFT JOIN dept rd ON rd.dept_code = h.report_dept_code
LEFT JOIN staff ap ON ap.staff_code = h.apply_doctor_code
LEFT JOIN staff rp ON rp.staff_code = h.report_doctor_code
LEFT JOIN staff au ON au.staff_code = h.audit_doctor_code
ORDER BY i.item_id
