-- 城市大脑·检验结果 (child of labReports): the results of the lab reports of a page (parent_key = report_id), voided
-- results left out. result_kind: N 定量, Q 定性, G 培养出的菌株, A 药敏 (quant_value the MIC, qual_result S / I / R).
-- abn_flag: N 正常, H 偏高, L 偏低 (定量 only).
-- Bind: keys (an expanding list, at most one page of report ids).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    r.report_id AS parent_key,
    r.seq_no AS seq_no,
    r.item_code AS item_code,
    r.item_name AS item_name,
    r.result_kind AS result_kind,
    r.quant_value AS quant_value,
    r.unit AS unit,
    r.ref_low AS ref_low,
    r.ref_high AS ref_high,
    r.abn_flag AS abn_flag,
    r.qual_result AS qual_result,
    r.germ_code AS germ_code,
    r.germ_name AS germ_name,
    r.test_time AS test_time
FROM lab_result r
WHERE r.report_id IN :keys AND r.status = 'normal'
ORDER BY r.report_id, r.seq_no
