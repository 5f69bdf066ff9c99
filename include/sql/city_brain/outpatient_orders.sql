-- 城市大脑·门诊就诊开单查询 (endpoint outpatientOrders): everything the doctors ordered on one outpatient or emergency
-- visit — prescriptions (clinical_order 西药/中成药 W and 中药饮片 C) and 检验/检查 申请单 (medtech_apply) — with
-- what each costs so far and whether it is paid. Each order's items come from order_items.sql (keyed by order_no).
-- order_status: 1 开立, 2 执行 (处方已发药 / 医技已登记), 3 已出报告, 9 作废/取消. A prescription's executing
-- department is the pharmacy that dispensed it (its sales, else its pharmacist's department), once dispensed.
-- amount / charge_status: from the 收费明细 that name the order as their source (charge_bill_line.source_no):
-- charged and not refunded → 1 (amount their sum), all refunded → 2, none → 0 (amount NULL; an order charged
-- within a 医保 settlement's lines, which name no order, also shows 0).
-- Bind: reg_id.
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    o.order_no AS order_no,
    o.order_kind AS order_kind,
    o.reg_id AS reg_id,
    o.patient_id AS patient_id,
    o.order_time AS order_time,
    o.dept_code AS dept_code,
    d.dept_name AS dept_name,
    o.doctor_code AS doctor_code,
    s.name AS doctor_name,
    o.exec_dept_code AS exec_dept_code,
    e.dept_name AS exec_dept_name,
    o.item_name AS item_name,
    o.item_count AS item_count,
    o.order_status AS order_status,
    (SELECT SUM(l.amount) FROM charge_bill_line l WHERE l.source_no = o.order_no AND l.status = 'normal')
        AS amount,
    CASE
        WHEN EXISTS (SELECT 1 FROM charge_bill_line l WHERE l.source_no = o.order_no AND l.status = 'normal')
            THEN '1'
        WHEN EXISTS (SELECT 1 FROM charge_bill_line l WHERE l.source_no = o.order_no) THEN '2'
        ELSE '0'
    END AS charge_status
FROM (
    SELECT
        c.order_no AS order_no,
        CASE WHEN c.order_type = 'C' THEN '2' ELSE '1' END AS order_kind,
        c.reg_id AS reg_id,
        c.patient_id AS patient_id,
        c.issue_time AS order_time,
        c.dept_code AS dept_code,
        c.doctor_code AS doctor_code,
        CASE WHEN c.exec_time IS NOT NULL THEN COALESCE(
            (SELECT MAX(sl.dept_code) FROM sale_line sl WHERE sl.rx_no = c.rx_no),
            (SELECT MAX(h.dept_code) FROM staff h WHERE h.staff_code = c.pharmacist_code)) END AS exec_dept_code,
        (SELECT MIN(i.drug_name) FROM clinical_order_item i
          WHERE i.order_id = c.order_id AND i.seq_no = 1) AS item_name,
        (SELECT COUNT(*) FROM clinical_order_item i WHERE i.order_id = c.order_id AND i.status = 'normal')
            AS item_count,
        CASE WHEN c.status = 'voided' THEN '9' WHEN c.exec_time IS NOT NULL THEN '2' ELSE '1' END
            AS order_status
    FROM clinical_order c
    WHERE c.reg_id = :reg_id AND c.order_type IN ('W', 'C')
    UNION ALL
    SELECT
        a.apply_no AS order_no,
        CASE WHEN a.apply_kind = 'lab' THEN '3' ELSE '4' END AS order_kind,
        a.reg_id AS reg_id,
        a.patient_id AS patient_id,
        a.apply_time AS order_time,
        a.apply_dept_code AS dept_code,
        a.apply_doctor_code AS doctor_code,
        a.exec_dept_code AS exec_dept_code,
        a.item_name AS item_name,
        1 AS item_count,
        CASE a.status WHEN 'registered' THEN '2' WHEN 'reported' THEN '3' WHEN 'cancelled' THEN '9' ELSE '1' END
            AS order_status
    FROM medtech_apply a
    WHERE a.reg_id = :reg_id
) o
LEFT JOIN dept d ON d.dept_code = o.dept_code
LEFT JOIN staff s ON s.staff_code = o.doctor_code
LEFT JOIN dept e ON e.dept_code = o.exec_dept_code
ORDER BY o.order_time, o.order_no
