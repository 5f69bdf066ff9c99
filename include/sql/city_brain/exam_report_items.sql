-- 城市大脑·检查报告项目 (child of examReports): the items of the exam reports of a page (parent_key = report_id),
-- voided items left out. result_flag: N 未见异常, A 异常, U 不确定 (the HIS's exam_result codes).
-- Bind: keys (an expanding list, at most one page of report ids).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    i.report_id AS parent_key,
    i.seq_no AS seq_no,
    i.item_code AS item_code,
    i.item_name AS item_name,
    i.result_code AS result_flag,
    i.quant_value AS quant_value,
    i.quant_unit AS quant_unit
FROM exam_report_item i
WHERE i.report_id IN :keys AND i.status = 'normal'
ORDER BY i.report_id, i.seq_no
