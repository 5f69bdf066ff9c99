-- 城市大脑·退费明细 (child of refunds): the bill lines each refund gave back (parent_key = refund_no); columns as in
-- bill_lines.sql.
-- Bind: keys (an expanding list of refund numbers).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    l.refund_no AS parent_key,
    l.line_no AS line_no,
    l.item_kind AS item_kind,
    l.item_code AS item_code,
    l.item_name AS item_name,
    l.spec AS spec,
    l.unit AS unit,
    l.fee_cat AS fee_cat,
    c.name AS fee_cat_name,
    l.qty AS qty,
    l.unit_price AS unit_price,
    l.amount AS amount,
    l.exec_dept_code AS exec_dept_code,
    d.dept_name AS exec_dept_name,
    l.source_no AS source_no,
    CASE WHEN l.status = 'refunded' THEN '2' ELSE '1' END AS line_status,
    l.refund_no AS refund_no
FROM charge_bill_line l
LEFT JOIN code_dict c ON c.dict_type = 'fee_cat' AND c.code = l.fee_cat
LEFT JOIN dept d ON d.dept_code = l.exec_dept_code
WHERE l.refund_no IN :keys
ORDER BY l.refund_no, l.line_no
