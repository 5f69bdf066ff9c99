-- 城市大脑·医嘱/处方/申请单的项目 (child of outpatientOrders, prescriptions and inpatientOrders): the items of the
-- orders of a page, keyed by order number (parent_key = clinical_order.order_no or medtech_apply.apply_no).
-- A prescription's or a ward order's items are its drugs (clinical_order_item, voided ones left out); a 申请单 has
-- one item, what it asks for.
-- Bind: keys (an expanding list, at most one page of order numbers).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    x.parent_key AS parent_key,
    x.seq_no AS seq_no,
    x.item_code AS item_code,
    x.item_name AS item_name,
    x.spec AS spec,
    x.dose AS dose,
    x.dose_unit AS dose_unit,
    x.frequency AS frequency,
    x.route AS route,
    x.qty AS qty,
    x.unit AS unit
FROM (
    SELECT
        c.order_no AS parent_key,
        i.seq_no AS seq_no,
        i.drug_code AS item_code,
        i.drug_name AS item_name,
        i.drug_spec AS spec,
        i.dose AS dose,
        i.dose_unit AS dose_unit,
        i.frequency AS frequency,
        i.route AS route,
        i.total_qty AS qty,
        i.total_unit AS unit
    FROM clinical_order c
    JOIN clinical_order_item i ON i.order_id = c.order_id
    WHERE i.status = 'normal'
    UNION ALL
    SELECT
        a.apply_no AS parent_key,
        1 AS seq_no,
        a.item_code AS item_code,
        a.item_name AS item_name,
        NULL AS spec,
        NULL AS dose,
        NULL AS dose_unit,
        NULL AS frequency,
        NULL AS route,
        1 AS qty,
        '次' AS unit
    FROM medtech_apply a
) x
WHERE x.parent_key IN :keys
ORDER BY x.parent_key, x.seq_no
