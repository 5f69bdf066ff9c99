-- 传染病前置 emr_ex_clinical_item (检查报告项目, 常规 T+0) — one row per item of a PACS / pathology report
-- (exam_report_item).
-- Window (half-open, local time) on the item's last change OR on its report's last change: an item is voided
-- when it or its report is voided, so the void of a report brings its items back (voided = 1) in the window of
-- that void, and they are removed from the front-end with it. The two index-friendly selections are united in a
-- subquery (an item changed together with its report is selected once); an item selected again unchanged is
-- skipped by the pipeline (same source row), never sent twice.
-- The report is a LEFT JOIN: an item without its report is selected, and quarantined by the parent check.
-- 检查项目 (item_code) is the front-end's class of the examination (1005 CT, 1003 X线, 1002 B超, 1001 磁共振,
-- 1101 组织病理), which follows the report's exam_type; item_name stays the HIS's own name (胸部CT平扫 …).
-- HIS codes are returned raw and mapped by include/mappings/cdc_emr_ex_clinical_item.yaml (cdc_codes.yaml):
--   exam_type CT/DR/US/MR/BL (→ 检查项目), result_code N/A/U (→ 检查结果).
SELECT
    i.item_id AS item_id,
    CASE WHEN i.status = 'voided' OR h.status = 'voided' THEN 1 ELSE 0 END AS voided,
    i.report_id AS report_id,
    h.exam_type AS exam_type,
    i.item_code AS his_item_code,
    i.item_name AS item_name,
    i.result_code AS result_code,
    i.quant_value AS quant_value,
    i.quant_unit AS quant_unit,
    h.report_doctor_code AS report_doctor_code,
    i.updated_at AS updated_at
FROM (
    SELECT w.item_id AS item_id
    FROM exam_report_item w
    WHERE w.updated_at >= :window_start AND w.updated_at < :window_end
    UNION
    SELECT v.item_id AS item_id
    FROM exam_report vh
    JOIN exam_report_item v ON v.report_id = vh.report_id
    WHERE vh.updated_at >= :window_start AND vh.updated_at < :window_end
) k
JOIN exam_report_item i ON i.item_id = k.item_id
LEFT JOIN exam_report h ON h.report_id = i.report_id
ORDER BY i.item_id
