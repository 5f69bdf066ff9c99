-- 城市大脑·门诊发票清单查询 (endpoint outpatientInvoices): the electronic invoices (电子票据) of one patient's outpatient
-- payments made in the date range (paid_at), each with its amounts by 医疗收费项目类别 from invoice_fee_cats.sql
-- (keyed by bill_no). A refund is a 红冲 (red_* of refunds); void_flag says how much of the invoice it undid.
-- void_flag: 0 正常, 1 已全额红冲, 2 部分红冲.
-- Binds: patient_id; start_time and end_time (the range as [start 00:00, day after end 00:00)).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    b.invoice_code AS invoice_code,
    b.invoice_no AS invoice_no,
    b.bill_no AS bill_no,
    b.patient_id AS patient_id,
    b.reg_id AS reg_id,
    CASE WHEN b.visit_kind = 'E' THEN '2' ELSE '1' END AS visit_type,
    b.paid_at AS invoice_time,
    b.dept_code AS dept_code,
    d.dept_name AS dept_name,
    b.total_amount AS total_amount,
    b.insurance_amount AS insurance_amount,
    b.self_amount AS self_amount,
    b.refunded_amount AS refunded_amount,
    CASE b.status WHEN 'refunded' THEN '1' WHEN 'part_refunded' THEN '2' ELSE '0' END AS void_flag,
    b.pay_type AS pay_type,
    b.setl_id AS setl_id
FROM charge_bill b
LEFT JOIN dept d ON d.dept_code = b.dept_code
WHERE b.invoice_no IS NOT NULL
  AND b.patient_id = :patient_id
  AND b.paid_at >= :start_time AND b.paid_at < :end_time
ORDER BY b.paid_at, b.bill_no
