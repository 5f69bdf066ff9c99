-- 省平台检查检验互认 uploadMicrobeSuscept (药敏结果) — one row per susceptibility row (result_kind A) of a culture
-- report: the organism tested, the antibiotic (the LIS's code and name), S / I / R and the MIC (μg/ml).
-- Window (half-open, local time) on the row's last change OR on its report's last change, united in a subquery
-- as in mutual_lab_indicator.sql: a revised report re-sends its 药敏, a withdrawn one brings them back voided
-- (voided = 1: deleted on the platform before the report). UpdateTime is the later of the two changes.
-- The report is a LEFT JOIN: a 药敏 row whose report was never signed is selected and quarantined, never lost.
-- The S/I/R text is mapped by include/mappings/mutual_microbe_suscept.yaml (mutual_codes.yaml susceptibility); a
-- text the map lacks quarantines the row.
SELECT
    r.result_id AS result_id,
    CASE WHEN r.status = 'voided' OR h.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.report_id AS report_id,
    h.report_no AS report_no,
    r.germ_code AS germ_code,
    r.germ_name AS germ_name,
    r.item_code AS drug_code,
    r.item_name AS drug_name,
    r.qual_result AS susceptibility,
    r.quant_value AS mic,
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
WHERE r.result_kind = 'A'
ORDER BY r.result_id
