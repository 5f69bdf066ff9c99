-- 省平台检查检验互认 uploadLabIndicator (检验结果指标) — one row per quantitative (N) or qualitative (Q) LIS result
-- (lab_result) of a report; organisms (G) and 药敏 (A) are mutual_microbe_bacteria / mutual_microbe_suscept.
-- Window (half-open, local time) on the result's last change OR on its report's last change: a revised report
-- brings its results back (re-sent, the platform replaces them), and a withdrawn report brings them back voided
-- (voided = 1: deleted on the platform before the report). The two index-friendly selections are united in a
-- subquery (a result changed together with its report is selected once); a result selected again unchanged is
-- skipped by the pipeline, never sent twice. UpdateTime is the later of the two changes.
-- The report is a LEFT JOIN: a result whose report was never signed is selected and quarantined (its report is
-- not on the platform), never lost.
-- HIS codes are returned raw and mapped by include/mappings/mutual_lab_indicator.yaml: item_code → the platform
-- indicator (ExamItemCode) and its 互认 flag, panel_code → the report's platform item (DataCode), anomaly_src
-- (the LIS flag N/H/L of a quantitative result, the raw text of a qualitative one) → AnomalyCode.
SELECT
    r.result_id AS result_id,
    CASE WHEN r.status = 'voided' OR h.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.report_id AS report_id,
    h.report_no AS report_no,
    h.panel_code AS panel_code,
    r.item_code AS item_code,
    r.item_name AS item_name,
    CASE WHEN r.result_kind = 'N' THEN r.quant_value ELSE r.qual_result END AS result_value,
    r.unit AS unit,
    CASE WHEN r.ref_low IS NOT NULL AND r.ref_high IS NOT NULL THEN r.ref_low || '-' || r.ref_high
         WHEN r.ref_high IS NOT NULL THEN '<' || r.ref_high
         WHEN r.ref_low IS NOT NULL THEN '>' || r.ref_low END AS ref_range,
    COALESCE(r.abn_flag, r.qual_result) AS anomaly_src,
    CASE WHEN h.updated_at > r.updated_at THEN h.updated_at ELSE r.updated_at END AS updated_at
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
WHERE r.result_kind IN ('N', 'Q')
ORDER BY r.result_id
