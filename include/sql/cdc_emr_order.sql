-- 传染病前置 emr_order (医嘱处方信息, 常规 T+0) — one row per 医嘱/处方 of the HIS (clinical_order): 门诊处方,
-- 中药饮片处方, 长期 and 临时医嘱.
-- Window (half-open, local time) on the order's last change: its issue, dispensing, stop, or its void — an order
-- voided in the window comes back with voided = 1 and is removed from the front-end (its items are removed by
-- cdc_emr_order_item first: see include/mappings/cdc_emr_order.yaml).
-- serial_number: 住院号 (adm_id) for inpatients, else the 门（急）诊号 (reg_id).
-- Lookups are LEFT JOINs so that an order with broken reference data is selected (and quarantined), never lost.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_order.yaml (cdc_codes.yaml):
--   visit_kind O/E/I, id_type SFZ/HZ/…, order_type W/C/L/T (→ 处方类别), dept_code (院内科室 → 前置软件标准科室).
SELECT
    o.order_id AS order_id,
    CASE WHEN o.status = 'voided' THEN 1 ELSE 0 END AS voided,
    o.patient_id AS patient_id,
    o.visit_kind AS visit_kind,
    COALESCE(o.adm_id, o.reg_id) AS serial_no,
    p.name AS patient_name,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no,
    o.order_no AS order_no,
    o.order_type AS order_type,
    o.issue_time AS issue_time,
    o.valid_days AS valid_days,
    o.exec_time AS exec_time,
    o.doctor_code AS doctor_code,
    o.pharmacist_code AS pharmacist_code,
    o.remark AS remark,
    o.dept_code AS dept_code,
    d.dept_name AS dept_name,
    o.updated_at AS updated_at
FROM clinical_order o
LEFT JOIN patient p ON p.patient_id = o.patient_id
LEFT JOIN patient_extra x ON x.patient_id = o.patient_id
LEFT JOIN dept d ON d.dept_code = o.dept_code
WHERE o.updated_at >= :window_start AND o.updated_at < :window_end
ORDER BY o.order_id
