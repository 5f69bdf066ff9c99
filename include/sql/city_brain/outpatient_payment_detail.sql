-- 城市大脑·门诊缴费详情 (endpoint outpatientPaymentDetail): one outpatient payment (收费单 bill_no) with its lines
-- from bill_lines.sql (keyed by bill_no): what was charged, under which 医疗收费项目类别, for which order, and which
-- lines were refunded. The header's columns are chargeConfirmations'.
-- Bind: bill_no. At most one row (none: answer 2004).
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
WHERE b.bill_no = :bill_no
