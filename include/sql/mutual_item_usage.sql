-- 互认项目使用情况 (report mutual_unmapped_items, "互认项目未对照清单"): every HIS code the 检查检验互认 uploads map
-- through include/mappings/mutual_items.yaml, with how many reports used it in the report's window and when last.
-- The window is the 30 days before the run's window end: the job binds window_start = window end - 30 days (the
-- binds are the window's, as in every include/sql file; no date arithmetic in SQL).
-- Three kinds, one per code table of mutual_items.yaml:
--   lab_panel  检验组合 lab_report.panel_code (table lab_data_code: the report's DataCode)
--   lab_item   检验项目 lab_result.item_code, kinds N (定量) and Q (定性) only (table lab_item_code: ExamItemCode);
--              organisms (G) and 药敏 (A) go with the LIS's own codes and need no 对照
--   exam_item  检查项目 exam_report_item.item_code (table exam_data_code: CheckProjCode / DataCode)
-- Use is counted on the report's signing time (report_time), voided reports and voided rows excluded: a report
-- withdrawn is no use of the item. report_count counts distinct reports (an item once per report, whatever the
-- LIS repeats). The name is the latest spelling the reports carry (MAX: one name per code, the same every run).
-- report_time has no index: the 30-day range is read once a day (pool his_read), not every 5 minutes.
-- Which codes lack a platform code is decided by the job against the YAML (the HIS knows nothing of the 对照);
-- ranking is the job's, rows come in a stable order.
SELECT
    u.item_kind AS item_kind,
    u.item_code AS item_code,
    MAX(u.item_name) AS item_name,
    COUNT(DISTINCT u.report_id) AS report_count,
    MAX(u.report_time) AS last_report_time
FROM (
    SELECT 'lab_panel' AS item_kind, r.panel_code AS item_code, r.panel_name AS item_name,
           r.report_id AS report_id, r.report_time AS report_time
    FROM lab_report r
    WHERE r.status <> 'voided' AND r.report_time >= :window_start AND r.report_time < :window_end
    UNION ALL
    SELECT 'lab_item' AS item_kind, x.item_code AS item_code, x.item_name AS item_name,
           h.report_id AS report_id, h.report_time AS report_time
    FROM lab_result x
    JOIN lab_report h ON h.report_id = x.report_id
    WHERE x.result_kind IN ('N', 'Q') AND x.status <> 'voided' AND h.status <> 'voided'
      AND h.report_time >= :window_start AND h.report_time < :window_end
    UNION ALL
    SELECT 'exam_item' AS item_kind, i.item_code AS item_code, i.item_name AS item_name,
           e.report_id AS report_id, e.report_time AS report_time
    FROM exam_report_item i
    JOIN exam_report e ON e.report_id = i.report_id
    WHERE i.status <> 'voided' AND e.status <> 'voided'
      AND e.report_time >= :window_start AND e.report_time < :window_end
) u
GROUP BY u.item_kind, u.item_code
ORDER BY u.item_kind, u.item_code
