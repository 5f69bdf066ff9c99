-- 传染病前置 emr_order_item (医嘱处方条目, 常规 T+0) — one row per drug of an order (clinical_order_item).
-- Window (half-open, local time) on the item's last change OR on its order's last change: an item is voided when
-- it or its order is voided, so the void of an order brings its items back (voided = 1) in the window of that
-- void, and they are removed from the front-end with it. The two index-friendly selections are united in a
-- subquery (an item changed together with its order is selected once); an item selected again unchanged is
-- skipped by the pipeline (same source row), never sent twice.
-- The order is a LEFT JOIN: an item without its order is selected, and quarantined by the parent check.
-- 中药饮片: the recipe, number of doses, decoction and usage belong to the order in the HIS (clinical_order) and
-- are repeated on each of its items, as the front-end keeps them per item.
-- Dose and total are the HIS's numbers as they are; the dose unit is the HIS's word (片/粒/g/ml …), code and name.
SELECT
    i.item_id AS item_id,
    CASE WHEN i.status = 'voided' OR o.status = 'voided' THEN 1 ELSE 0 END AS voided,
    i.order_id AS order_id,
    i.drug_code AS drug_code,
    i.drug_name AS drug_name,
    i.drug_spec AS drug_spec,
    i.dose AS dose,
    i.dose_unit AS dose_unit,
    i.total_qty AS total_qty,
    o.tcm_recipe AS tcm_recipe,
    o.tcm_doses AS tcm_doses,
    o.tcm_decoction AS tcm_decoction,
    o.tcm_usage AS tcm_usage,
    o.doctor_code AS doctor_code,
    i.updated_at AS updated_at
FROM (
    SELECT w.item_id AS item_id
    FROM clinical_order_item w
    WHERE w.updated_at >= :window_start AND w.updated_at < :window_end
    UNION
    SELECT v.item_id AS item_id
    FROM clinical_order vo
    JOIN clinical_order_item v ON v.order_id = vo.order_id
    WHERE vo.updated_at >= :window_start AND vo.updated_at < :window_end
) k
JOIN clinical_order_item i ON i.item_id = k.item_id
LEFT JOIN clinical_order o ON o.order_id = i.order_id
ORDER BY i.item_id
