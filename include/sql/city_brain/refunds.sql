-- 城市大脑·退费查询 (endpoint refunds): one patient's outpatient refunds (charge_refund, refund_time) in the date
-- range — a line or two of a bill, or a whole bill (a cancelled 医保 settlement) — each with the lines it refunded
-- from refund_lines.sql (keyed by refund_no) and the payment it refunds.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    f.refund_no AS refund_no,
    f.bill_no AS bill_no,
    f.patient_id AS patient_id,
    b.reg_id AS reg_id,
    CASE WHEN b.visit_kind = 'E' THEN '2' ELSE '1' END AS visit_type,
    f.refund_time AS refund_time,
    f.refund_amount AS refund_amount,
    f.insurance_amount AS insurance_amount,
    f.self_amount AS self_amount,
    f.refund_channel AS refund_channel,
    c.name AS refund_channel_name,
    f.reason AS reason,
    f.red_invoice_no AS red_invoice_no,
    b.invoice_no AS invoice_no,
    f.cancel_setl_id AS cancel_setl_id,
    b.paid_at AS paid_at,
    b.pay_type AS pay_type
FROM charge_refund f
JOIN charge_bill b ON b.bill_no = f.bill_no
LEFT JOIN code_dict c ON c.dict_type = 'pay_channel' AND c.code = f.refund_channel
WHERE f.patient_id = :patient_id
  AND f.refund_time >= :start_time AND f.refund_time < :end_time
ORDER BY f.refund_time, f.refund_no
