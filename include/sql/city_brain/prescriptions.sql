-- 城市大脑·门急诊处方信息查询 (endpoint prescriptions): outpatient and emergency prescriptions (clinical_order 西药/
-- 中成药 W, 中药饮片 C) of one patient written in the date range, or of one visit (reg_id), with their drugs from
-- order_items.sql (keyed by rx_no, the prescription's number).
-- The range is optional when reg_id is given: start_time NULL makes the last condition true (the COALESCE form
-- keeps PostgreSQL's parameter types inferable); given, it holds only for a time inside the range.
-- amount / charge_status: as in outpatient_orders.sql (charge_bill_line.source_no = the prescription's number).
-- Binds: patient_id, reg_id (each NULL: any); start_time and end_time (NULL when no range is given).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    c.order_no AS rx_no,
    c.reg_id AS reg_id,
    c.patient_id AS patient_id,
    CASE WHEN c.visit_kind = 'E' THEN '2' ELSE '1' END AS visit_type,
    CASE WHEN c.order_type = 'C' THEN '2' ELSE '1' END AS rx_kind,
    c.issue_time AS rx_time,
    c.valid_days AS valid_days,
    c.dept_code AS dept_code,
    d.dept_name AS dept_name,
    c.doctor_code AS doctor_code,
    s.name AS doctor_name,
    c.pharmacist_code AS pharmacist_code,
    h.name AS pharmacist_name,
    c.exec_time AS dispense_time,
    c.tcm_doses AS tcm_doses,
    c.tcm_usage AS tcm_usage,
    c.tcm_decoction AS tcm_decoction,
    CASE WHEN c.status = 'voided' THEN '9' ELSE '1' END AS rx_status,
    (SELECT SUM(l.amount) FROM charge_bill_line l WHERE l.source_no = c.order_no AND l.status = 'normal')
        AS amount,
    CASE
        WHEN EXISTS (SELECT 1 FROM charge_bill_line l WHERE l.source_no = c.order_no AND l.status = 'normal')
            THEN '1'
        WHEN EXISTS (SELECT 1 FROM charge_bill_line l WHERE l.source_no = c.order_no) THEN '2'
        ELSE '0'
    END AS charge_status
FROM clinical_order c
LEFT JOIN dept d ON d.dept_code = c.dept_code
LEFT JOIN staff s ON s.staff_code = c.doctor_code
LEFT JOIN staff h ON h.staff_code = c.pharmacist_code
WHERE c.visit_kind IN ('O', 'E') AND c.order_type IN ('W', 'C') AND c.reg_id IS NOT NULL
  AND COALESCE(:patient_id, c.patient_id) = c.patient_id
  AND COALESCE(:reg_id, c.reg_id) = c.reg_id
  AND ((c.issue_time >= :start_time AND c.issue_time < :end_time)
       OR COALESCE(:start_time, c.issue_time) = c.issue_time)
ORDER BY c.issue_time, c.order_no
