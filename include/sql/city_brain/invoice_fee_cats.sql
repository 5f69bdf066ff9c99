-- 城市大脑·门诊发票费用分类 (child of outpatientInvoices): the amounts of the bills asked for (parent_key = bill_no)
-- by 医疗收费项目类别 (fee_cat, code_dict fee_cat), as the invoice prints them: every line, refunded or not (a refund
-- is its own 红冲 invoice).
-- Bind: keys (an expanding list of bill numbers).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    l.bill_no AS parent_key,
    l.fee_cat AS fee_cat,
    c.name AS fee_cat_name,
    SUM(l.amount) AS amount
FROM charge_bill_line l
LEFT JOIN code_dict c ON c.dict_type = 'fee_cat' AND c.code = l.fee_cat
WHERE l.bill_no IN :keys
GROUP BY l.bill_no, l.fee_cat, c.name
ORDER BY l.bill_no, l.fee_cat
