-- 未对照项目 (report hsa_catalog_unmapped): every active HIS drug (drug_dict) and charge item / consumable
-- (charge_item) without a national code (med_list_codg NULL), with what it was used for in the report's window.
-- The window is the 30 days before the run's window end: the job binds window_start = window end - 30 days
-- (the binds are the window's, as in every include/sql file; no date arithmetic in SQL).
-- Usage: fee_detail lines (count, quantity, amount; refunded lines excluded) for every kind, and for drugs also
-- the pharmacy's sale_line dispensing (cancelled lines excluded) — self-paid sales have no 医保 fee line.
-- Items without any usage are listed too (with zeros): they are unmapped all the same.
-- Ranking is the job's (by amount); rows come in a stable order.
SELECT
    u.item_kind AS item_kind,
    u.item_code AS item_code,
    u.item_name AS item_name,
    u.spec AS spec,
    u.unit AS unit,
    u.category AS category,
    f.fee_count AS fee_count,
    f.fee_qty AS fee_qty,
    f.fee_amount AS fee_amount,
    s.sale_count AS sale_count,
    s.sale_qty AS sale_qty,
    s.sale_amount AS sale_amount
FROM (
    SELECT 'drug' AS item_kind, d.drug_code AS item_code, d.drug_name AS item_name, d.spec AS spec,
           d.pack_unit AS unit, d.drug_cat AS category
    FROM drug_dict d
    WHERE d.med_list_codg IS NULL AND d.is_active = 1
    UNION ALL
    SELECT c.item_kind AS item_kind, c.item_code AS item_code, c.item_name AS item_name, c.spec AS spec,
           c.unit AS unit, c.med_chrgitm_type AS category
    FROM charge_item c
    WHERE c.med_list_codg IS NULL AND c.is_active = 1
) u
LEFT JOIN (
    SELECT fd.item_kind AS item_kind, fd.item_code AS item_code, COUNT(*) AS fee_count, SUM(fd.qty) AS fee_qty,
           SUM(fd.amount) AS fee_amount
    FROM fee_detail fd
    WHERE fd.status = 'normal' AND fd.fee_time >= :window_start AND fd.fee_time < :window_end
    GROUP BY fd.item_kind, fd.item_code
) f ON f.item_kind = u.item_kind AND f.item_code = u.item_code
LEFT JOIN (
    SELECT sl.drug_code AS drug_code, COUNT(*) AS sale_count, SUM(sl.qty) AS sale_qty, SUM(sl.amount) AS sale_amount
    FROM sale_line sl
    WHERE sl.status = 'normal' AND sl.sale_time >= :window_start AND sl.sale_time < :window_end
    GROUP BY sl.drug_code
) s ON u.item_kind = 'drug' AND s.drug_code = u.item_code
ORDER BY u.item_kind, u.item_code
