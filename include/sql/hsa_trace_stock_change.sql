-- 医保追溯码 3502 商品库存变更 (stock change) — one row per (stock movement, scanned 追溯码).
-- Transfers in/out, 盘盈, 盘亏, destruction, other in/out, gifts in/returned. Purchases and returns to the
-- supplier are NOT movements in this HIS (they are 3503/3504), so they are not reported twice.
-- A movement without scanned codes still appears once, with trace_code NULL (LEFT JOIN).
-- Window (half-open, local time) on the movement time OR the cancel time: a movement cancelled later is seen
-- again with voided = 1. move_type is the HIS code; the mapping turns it into inv_chg_type (101–111).
SELECT
    m.move_id AS move_id,
    t.trace_code AS trace_code,
    CASE WHEN m.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    d.med_list_codg AS med_list_codg,
    m.move_type AS move_type,
    m.drug_code AS fixmedins_hilist_id,
    d.drug_name AS fixmedins_hilist_name,
    m.batch_id AS fixmedins_bchno,
    m.price AS pric,
    m.qty AS cnt,
    d.rx_type AS rx_type,
    m.move_time AS inv_chg_time,
    op.name AS inv_chg_opter_name,
    COALESCE(m.remark, m.reason) AS memo,
    m.split_flag AS split_flag,
    d.trace_required AS trace_required,
    m.cancel_time AS cancel_time
FROM stock_move m
LEFT JOIN drug_dict d ON d.drug_code = m.drug_code
LEFT JOIN staff op ON op.staff_code = m.operator_code
LEFT JOIN drug_trace_code t ON t.src_kind = 'move' AND t.src_id = m.move_id
WHERE (m.move_time >= :window_start AND m.move_time < :window_end)
   OR (m.cancel_time >= :window_start AND m.cancel_time < :window_end)
ORDER BY m.move_id, t.trace_code
