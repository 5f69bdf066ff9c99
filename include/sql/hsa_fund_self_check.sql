-- 医保基金自查 (hisbridge.platforms.hsa.self_check): the shared frame of the window's settled fee lines.
-- One row per fee line (fee_detail) of a 医保 settlement whose setl_time is in the window, settled and still
-- valid (refd_setl_flag 0, status normal — not a cancellation row, not cancelled later), the line not refunded.
-- An inpatient settlement is settled at discharge, so its lines' fee_time may lie days before the window.
-- Beside the line: the patient's gender and birth date, the item's 医保限制条件 (insu_item_limit, LEFT JOIN: most
-- items have none), the 医疗收费项目类别 of items and materials (charge_item; 01 床位费 …, for "once per day") and
-- the settlement's own inpatient stay (admission/discharge times). Ages, days and diagnoses are worked out in
-- Python (no date functions here); the visit's diagnoses and the patient's other stays come from
-- hsa_fund_self_check_diag.sql and hsa_fund_self_check_stays.sql.
-- Columns ending in _time / _date are read as times / dates by the engine.
SELECT
    f.fee_id AS fee_id,
    f.setl_id AS setl_id,
    f.mdtrt_id AS mdtrt_id,
    f.patient_id AS patient_id,
    f.visit_kind AS visit_kind,
    f.item_kind AS item_kind,
    f.item_code AS item_code,
    f.item_name AS item_name,
    f.fee_time AS fee_time,
    f.qty AS qty,
    f.unit_price AS unit_price,
    f.amount AS amount,
    f.dept_code AS dept_code,
    f.doctor_code AS doctor_code,
    s.setl_time AS setl_time,
    s.adm_id AS adm_id,
    s.main_diag_code AS main_diag_code,
    p.gender AS gender,
    CASE p.gender WHEN '1' THEN '男' WHEN '2' THEN '女' ELSE '未知' END AS gender_name,
    p.birth_date AS birth_date,
    l.gender_limit AS gender_limit,
    CASE l.gender_limit WHEN '1' THEN '限男性' WHEN '2' THEN '限女性' END AS gender_limit_name,
    l.min_age AS min_age,
    l.max_age AS max_age,
    l.daily_max_qty AS daily_max_qty,
    l.indication_diag AS indication_diag,
    l.limit_note AS limit_note,
    ci.med_chrgitm_type AS chrgitm_type,
    st.adm_time AS adm_time,
    st.dscg_time AS dscg_time
FROM fee_detail f
JOIN insu_settlement s ON s.setl_id = f.setl_id
JOIN patient p ON p.patient_id = f.patient_id
LEFT JOIN insu_item_limit l ON l.item_kind = f.item_kind AND l.item_code = f.item_code
LEFT JOIN charge_item ci ON ci.item_code = f.item_code AND f.item_kind <> 'drug'
LEFT JOIN inpatient_stay st ON st.adm_id = s.adm_id
WHERE s.setl_time >= :window_start
  AND s.setl_time < :window_end
  AND s.refd_setl_flag = '0'
  AND s.status = 'normal'
  AND f.status = 'normal'
ORDER BY f.fee_id
