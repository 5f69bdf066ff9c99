-- 医保追溯码 3504 商品采购退货 (return to supplier) — one row per returned batch.
-- 3504 carries no drugtracinfo, so trace_code is always NULL; the column is kept so every feed has the same shape.
-- Window (half-open, local time) on the return time. Returns are not cancelled in this HIS: voided is always 0.
-- medins_prod_purc_no links to the 3503 record: the purchase_line_id that received the batch.
-- Coded HIS values (rx_type RX/OTC) are translated by include/mappings/hsa_trace_purchase_return.yaml.
SELECT
    rt.return_id AS purchase_return_id,
    CAST(NULL AS VARCHAR(100)) AS trace_code,
    0 AS voided,
    d.med_list_codg AS med_list_codg,
    rt.drug_code AS fixmedins_hilist_id,
    d.drug_name AS fixmedins_hilist_name,
    rt.batch_id AS fixmedins_bchno,
    sp.supplier_name AS spler_name,
    sp.licence_no AS spler_pmtno,
    b.manu_date AS manu_date,
    b.expy_end AS expy_end,
    rt.price AS finl_trns_pric,
    rt.qty AS purc_retn_cnt,
    rt.invoice_code AS purc_invo_codg,
    rt.invoice_no AS purc_invo_no,
    d.rx_type AS rx_type,
    rt.return_time AS purc_retn_stoin_time,
    op.name AS purc_retn_opter_name,
    COALESCE(rt.remark, rt.reason) AS memo,
    rt.purchase_line_id AS medins_prod_purc_no,
    rt.return_no AS return_no
FROM purchase_return rt
LEFT JOIN supplier sp ON sp.supplier_code = rt.supplier_code
LEFT JOIN drug_dict d ON d.drug_code = rt.drug_code
LEFT JOIN stock_batch b ON b.batch_id = rt.batch_id
LEFT JOIN staff op ON op.staff_code = rt.operator_code
WHERE rt.return_time >= :window_start AND rt.return_time < :window_end
ORDER BY rt.return_id
