-- 城市大脑·收费确认查询 (endpoint chargeConfirmations): one patient's outpatient and emergency payments (门诊收费单,
-- paid_at) in the date range — for a 先诊疗后付费 patient the one payment after the visit (pay_type 1 or 2) — and
-- what became of them (refunded_amount, bill_status). The lines are outpatientPaymentDetail's.
-- A 医保 bill is the settlement's (setl_id): insurance_amount is what the fund and the personal account paid.
-- bill_status: 1 正常, 2 部分退费, 3 全额退费.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    b.bill_no AS bill_no,
    b.patient_id AS patient_id,
    b.reg_id AS reg_id,
    CASE WHEN b.visit_kind = 'E' THEN '2' ELSE '1' END AS visit_type,
    b.dept_code AS dept_code,
    d.dept_name AS dept_name,
    b.doctor_code AS doctor_code,
    s.name AS doctor_name,
    b.paid_at AS paid_at,
    b.total_amount AS total_amount,
    b.insurance_amount AS insurance_amount,
    b.self_amount AS self_amount,
    b.refunded_amount AS refunded_amount,
    b.pay_channel AS pay_channel,
    c.name AS pay_channel_name,
    b.pay_type AS pay_type,
    b.setl_id AS setl_id,
    b.invoice_code AS invoice_code,
    b.invoice_no AS invoice_no,
    CASE b.status WHEN 'part_refunded' THEN '2' WHEN 'refunded' THEN '3' ELSE '1' END AS bill_status,
    (SELECT COUNT(*) FROM charge_bill_line l WHERE l.bill_no = b.bill_no) AS item_count
FROM charge_bill b
LEFT JOIN dept d ON d.dept_code = b.dept_code
LEFT JOIN staff s ON s.staff_code = b.doctor_code
LEFT JOIN code_dict c ON c.dict_type = 'pay_channel' AND c.code = b.pay_channel
WHERE b.patient_id = :patient_id
  AND b.paid_at >= :start_time AND b.paid_at < :end_time
ORDER BY b.paid_at, b.bill_no
