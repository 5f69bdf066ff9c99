-- 城市大脑·医院历史数据抓取 report (检查检验报告): every lab report (lab_report, LIS) with its results (lab_result,
-- not voided: one row per result, folded into the record's items by the pipeline — lists: items, key result_id)
-- and every exam report (exam_report, PACS: one row, no items), issued in the window (report_time), outpatient,
-- emergency and inpatient, as they stand now (a revised report replaces the old version: the city brain upserts
-- by recordId = <LIS|PACS>-<report_id>). Voided reports are not sent.
-- result: the value as the LIS shows it — quantitative value (N), qualitative result (Q), organism (G), 药敏
-- interpretation or MIC (A); ref_range from the low and high limits; abnormal 1 when a result is flagged H or L
-- (LIS) or an exam item is abnormal (PACS, result_code A).
-- Window (half-open, local time) on report_time; ORDER BY the record id, then the result's position.
-- Portable SQL (Oracle, PostgreSQL, SQLite).
SELECT
    x.record_id AS record_id,
    x.report_id AS report_id,
    x.report_type AS report_type,
    x.patient_id AS patient_id,
    x.visit_id AS visit_id,
    x.item_code AS item_code,
    x.item_name AS item_name,
    x.dept_code AS dept_code,
    x.specimen_name AS specimen_name,
    x.report_time AS report_time,
    x.findings AS findings,
    x.conclusion AS conclusion,
    x.abnormal AS abnormal,
    x.result_id AS result_id,
    x.result_code AS result_code,
    x.result_name AS result_name,
    x.result_value AS result_value,
    x.result_unit AS result_unit,
    x.ref_range AS ref_range,
    x.abnormal_flag AS abnormal_flag,
    x.result_seq AS result_seq
FROM (
    SELECT
        'LIS-' || l.report_id AS record_id,
        l.report_id AS report_id,
        'LIS' AS report_type,
        l.patient_id AS patient_id,
        COALESCE(l.reg_id, l.adm_id) AS visit_id,
        l.panel_code AS item_code,
        l.panel_name AS item_name,
        l.apply_dept_code AS dept_code,
        sp.name AS specimen_name,
        l.report_time AS report_time,
        l.findings AS findings,
        l.conclusion AS conclusion,
        CASE WHEN EXISTS (SELECT 1 FROM lab_result a WHERE a.report_id = l.report_id AND a.status = 'normal'
                                                       AND a.abn_flag IN ('H', 'L')) THEN '1' ELSE '0' END
            AS abnormal,
        t.result_id AS result_id,
        t.item_code AS result_code,
        t.item_name AS result_name,
        CASE t.result_kind WHEN 'N' THEN t.quant_value WHEN 'G' THEN t.germ_name
             ELSE COALESCE(t.qual_result, t.quant_value) END AS result_value,
        t.unit AS result_unit,
        CASE WHEN t.ref_low IS NOT NULL AND t.ref_high IS NOT NULL THEN t.ref_low || '-' || t.ref_high
             WHEN t.ref_low IS NOT NULL THEN '≥' || t.ref_low
             WHEN t.ref_high IS NOT NULL THEN '≤' || t.ref_high END AS ref_range,
        CASE WHEN t.abn_flag IN ('N', 'H', 'L') THEN t.abn_flag END AS abnormal_flag,
        t.seq_no AS result_seq
    FROM lab_report l
    LEFT JOIN lab_result t ON t.report_id = l.report_id AND t.status = 'normal'
    LEFT JOIN code_dict sp ON sp.dict_type = 'specimen' AND sp.code = l.specimen_type
    WHERE l.status = 'reported'
      AND l.report_time >= :window_start AND l.report_time < :window_end
    UNION ALL
    SELECT
        'PACS-' || e.report_id AS record_id,
        e.report_id AS report_id,
        'PACS' AS report_type,
        e.patient_id AS patient_id,
        COALESCE(e.reg_id, e.adm_id) AS visit_id,
        COALESCE((SELECT MIN(i.item_code) FROM exam_report_item i WHERE i.report_id = e.report_id
                                                                    AND i.seq_no = 1), e.exam_type) AS item_code,
        COALESCE((SELECT MIN(i.item_name) FROM exam_report_item i WHERE i.report_id = e.report_id
                                                                    AND i.seq_no = 1),
                 e.exam_type || COALESCE(e.exam_part, '')) AS item_name,
        e.apply_dept_code AS dept_code,
        NULL AS specimen_name,
        e.report_time AS report_time,
        e.findings AS findings,
        e.conclusion AS conclusion,
        CASE WHEN EXISTS (SELECT 1 FROM exam_report_item a WHERE a.report_id = e.report_id
                                                              AND a.status = 'normal' AND a.result_code = 'A')
             THEN '1' ELSE '0' END AS abnormal,
        NULL AS result_id,
        NULL AS result_code,
        NULL AS result_name,
        NULL AS result_value,
        NULL AS result_unit,
        NULL AS ref_range,
        NULL AS abnormal_flag,
        NULL AS result_seq
    FROM exam_report e
    WHERE e.status = 'reported'
      AND e.report_time >= :window_start AND e.report_time < :window_end
) x
ORDER BY x.record_id, x.result_seq
