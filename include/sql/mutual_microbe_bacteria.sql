-- 省平台检查检验互认 uploadMicrobeBacteria (微生物细菌结果) — one row per organism row (result_kind G) of a culture
-- report (lab_report.micro_flag Y): the organism found and the culture's raw result (检出 / 未检出).
-- Window (half-open, local time) on the row's last change OR on its report's last change, united in a subquery
-- as in mutual_lab_indicator.sql: a revised report re-sends its organisms, a withdrawn one brings them back
-- voided (voided = 1: deleted on the platform before the report). UpdateTime is the later of the two changes.
-- The report is a LEFT JOIN: an organism whose report was never signed is selected and quarantined, never lost.
-- BacteriaId / BacteriaName are the LIS's organism code and name (no 对照: the platform shows them as sent);
-- the raw result is mapped by include/mappings/mutual_microbe_bacteria.yaml (mutual_codes.yaml bacteria_result).
SELECT
    r.result_id AS result_id,
    CASE WHEN r.status = 'voided' OR h.status = 'voided' THEN 1 ELSE 0 END AS voided,
    r.report_id AS report_id,
    h.report_no AS report_no,
    r.germ_code AS germ_code,
    r.germ_name AS germ_name,
    CASE WHEN r.quant_value IS NOT NULL AND r.unit IS NOT NULL THEN r.quant_value || ' ' || r.unit
         ELSE r.quant_value END AS colony_count,
    r.qual_result AS qual_result,
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
WHERE r.result_kind = 'G'
ORDER BY r.result_id
