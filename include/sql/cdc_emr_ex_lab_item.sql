-- 传染病前置 emr_ex_lab_item (检验报告项目, 常规 T+0) — one row per LIS result row (lab_result) of a report.
-- Window (half-open, local time) on the result's last change OR on its report's last change: a result is
-- voided when it or its report is voided, so the void of a report brings its results back (voided = 1) in the
-- window of that void, and they are removed from the front-end with it. The two index-friendly selections are
-- united in a subquery (a result changed together with its report is selected once); a result selected again
-- unchanged is skipped by the pipeline (same source row), never sent twice.
-- The report is a LEFT JOIN: the LIS writes results before the report is signed, so a result may have no
-- report at all — it is selected, and quarantined as an orphan by the feed's parent check, never lost.
-- Result kinds (result_kind): N 定量 (value, unit, reference range, abn_flag N/H/L), Q 定性 (LIS raw text),
-- G 培养 (organism found: germ_code / germ_name), A 药敏 (antibiotic, MIC, S/I/R). A 药敏 row is named
-- "<organism>||<antibiotic>", the organism's row carries the organism as its raw result.
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_ex_lab_item.yaml (cdc_codes.yaml):
--   qual_result (阴性/阳性/+/-/检出/未检出/S/I/R … → 标化定性结果), abn_flag N/H/L.
SELECT
    r.result_id AS result_id,
    CASE WHEN r.status = 'voided' OR h.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.report_id AS report_id,
    r.result_kind AS result_kind,
    r.item_code AS item_code,
    CASE WHEN r.result_kind = 'A' AND r.germ_name IS NOT NULL THEN r.germ_name || '||' || r.item_name
         ELSE r.item_name END AS item_name,
    r.qual_result AS qual_result,
    CASE WHEN r.result_kind = 'G' THEN r.germ_code ELSE r.qual_result END AS source_result_code,
    CASE WHEN r.result_kind = 'G' THEN r.germ_name ELSE r.qual_result END AS source_result_name,
    r.quant_value AS quant_value,
    r.unit AS unit,
    r.ref_low AS ref_low,
    r.ref_high AS ref_high,
    r.abn_flag AS abn_flag,
    h.audit_doctor_code AS audit_doctor_code,
    r.updated_at AS updated_at
FROM (
    SELECT w.result_id AS result_id
    FROM lab_result w
    WHERE w.updated_at >= :window_start AND w.updated_at < :window_end
    UNION
    SELECT v.result_id AS result_id
    FROM lab_report vh
    JOIN lab_result v ON v.report_id = vh.report_id
    WHERE vh.updated_at >= :window_start AND vh.updated_at < :window_end
) k
JOIN lab_result r ON r.result_id = k.result_id
LEFT JOIN lab_report h ON h.report_id = r.report_id
ORDER BY r.result_id
