-- 城市大脑·医院历史数据抓取 prescription (处方): every outpatient and emergency prescription (clinical_order 西药/中成药
-- W and 中药饮片 C, written in the window: issue_time, not voided) with its drugs (clinical_order_item, not voided):
-- one row per drug, the prescription's columns repeated — the pipeline folds them into one record whose items are
-- the drugs (lists: items, key item_id). recordId = prescriptionNo = the order's number (order_no, 处方号).
-- Item amount: what the drug's 收费明细 charged (charge_bill_line naming the prescription, not refunded); NULL when
-- the charge names no prescription (a 医保 settlement's lines). The dose is sent as the HIS keeps it (number and
-- unit apart); the wire's dosage ("0.5g") is made from both by the model.
-- Window (half-open, local time) on issue_time; ORDER BY the record id, then the drug's position.
-- Portable SQL (Oracle, PostgreSQL, SQLite).
SELECT
    c.order_no AS rx_no,
    c.patient_id AS patient_id,
    c.reg_id AS visit_id,
    CASE WHEN c.order_type = 'C' THEN '3' ELSE '1' END AS rx_type,
    c.dept_code AS dept_code,
    d.dept_name AS dept_name,
    c.doctor_code AS doctor_code,
    s.name AS doctor_name,
    c.issue_time AS issued_at,
    i.item_id AS item_id,
    i.drug_code AS drug_code,
    i.drug_name AS drug_name,
    i.drug_spec AS drug_spec,
    i.dose AS dose,
    i.dose_unit AS dose_unit,
    i.frequency AS frequency,
    i.route AS route,
    c.valid_days AS days,
    i.total_qty AS quantity,
    i.total_unit AS quantity_unit,
    (SELECT SUM(l.amount) FROM charge_bill_line l
      WHERE l.source_no = c.order_no AND l.item_code = i.drug_code AND l.status = 'normal') AS item_amount
FROM clinical_order c
LEFT JOIN clinical_order_item i ON i.order_id = c.order_id AND i.status = 'normal'
LEFT JOIN dept d ON d.dept_code = c.dept_code
LEFT JOIN staff s ON s.staff_code = c.doctor_code
WHERE c.order_type IN ('W', 'C') AND c.visit_kind IN ('O', 'E') AND c.status <> 'voided'
  AND c.issue_time >= :window_start AND c.issue_time < :window_end
ORDER BY c.order_no, i.seq_no
