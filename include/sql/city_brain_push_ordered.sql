-- 城市大脑·医院数据推送通知 ORDERED (开单): one event per order a doctor gave on an outpatient or emergency visit, when
-- it was given — prescriptions (clinical_order 西药/中成药 W and 中药饮片 C, issue_time) and 检验/检查 申请单
-- (medtech_apply, apply_time): under 先诊疗后付费 the patient goes on to the pharmacy or the lab without paying, and
-- the city brain reminds him. eventId ORDERED:<处方号 order_no | 申请单号 apply_no>; it follows the visit's REGISTERED
-- event (parent). An order voided (or an 申请单 cancelled) before it was pushed is not announced; one voided later
-- stays announced (there is no event for it). Inpatient orders are not pushed.
-- item_count: the prescription's drugs (clinical_order_item, not voided) or 1 for an 申请单.
-- Window (half-open, local time) on the order's time; rows in the order they happened.
-- Portable SQL (Oracle, PostgreSQL, SQLite); see city_brain_push_registered.sql for the summary's COALESCEs.
SELECT
    'ORDERED:' || o.order_no AS event_id,
    o.patient_id AS patient_id,
    o.reg_id AS visit_id,
    CASE WHEN o.visit_kind = 'E' THEN '2' ELSE '1' END AS visit_type,
    o.ordered_at AS occurred_at,
    o.dept_code AS dept_code,
    d.dept_name AS dept_name,
    o.doctor_code AS doctor_code,
    s.name AS doctor_name,
    CASE o.order_kind
        WHEN 'W' THEN '开具处方：' || COALESCE(o.item_name, '药品')
            || CASE WHEN o.item_count > 1 THEN '等' || CAST(o.item_count AS VARCHAR(10)) || '种药品' ELSE '' END
        WHEN 'C' THEN '开具中药饮片处方：' || CAST(o.item_count AS VARCHAR(10)) || '味'
        WHEN 'lab' THEN '开具检验：' || COALESCE(o.item_name, '检验项目')
        ELSE '开具检查：' || COALESCE(o.item_name, '检查项目')
    END AS summary,
    o.item_count AS item_count,
    'REGISTERED:' || o.reg_id AS registration_event_id
FROM (
    SELECT
        c.order_no AS order_no,
        c.order_type AS order_kind,
        c.patient_id AS patient_id,
        c.reg_id AS reg_id,
        c.visit_kind AS visit_kind,
        c.issue_time AS ordered_at,
        c.dept_code AS dept_code,
        c.doctor_code AS doctor_code,
        (SELECT MIN(i.drug_name) FROM clinical_order_item i
          WHERE i.order_id = c.order_id AND i.seq_no = 1) AS item_name,
        (SELECT COUNT(*) FROM clinical_order_item i WHERE i.order_id = c.order_id AND i.status = 'normal')
            AS item_count
    FROM clinical_order c
    WHERE c.order_type IN ('W', 'C') AND c.visit_kind IN ('O', 'E') AND c.reg_id IS NOT NULL
      AND c.status <> 'voided'
      AND c.issue_time >= :window_start AND c.issue_time < :window_end
    UNION ALL
    SELECT
        a.apply_no AS order_no,
        a.apply_kind AS order_kind,
        a.patient_id AS patient_id,
        a.reg_id AS reg_id,
        a.visit_kind AS visit_kind,
        a.apply_time AS ordered_at,
        a.apply_dept_code AS dept_code,
        a.apply_doctor_code AS doctor_code,
        a.item_name AS item_name,
        1 AS item_count
    FROM medtech_apply a
    WHERE a.visit_kind IN ('O', 'E') AND a.reg_id IS NOT NULL AND a.status <> 'cancelled'
      AND a.apply_time >= :window_start AND a.apply_time < :window_end
) o
LEFT JOIN dept d ON d.dept_code = o.dept_code
LEFT JOIN staff s ON s.staff_code = o.doctor_code
ORDER BY o.ordered_at, o.order_no
