-- 医保追溯码 3503 商品采购 (purchase / receipt) — one row per purchase receipt line (one received batch).
-- 3503 carries no drugtracinfo, so trace_code is always NULL; the column is kept so every feed has the same shape.
-- Window (half-open, local time) on the receipt time OR the receipt's cancel time (冲红): a receipt cancelled
-- later is seen again with voided = 1 for all its lines.
-- Coded HIS values (rx_type RX/OTC, gift_flag Y/N) are translated by include/mappings/hsa_trace_purchase.yaml.
SELECT
    pl.purchase_line_id AS purchase_line_id,
    CAST(NULL AS VARCHAR(100)) AS trace_code,
    CASE WHEN pr.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    d.med_list_codg AS med_list_codg,
    pl.drug_code AS fixmedins_hilist_id,
    d.drug_name AS fixmedins_hilist_name,
    pr.delivery_no AS dynt_no,
    pl.batch_id AS fixmedins_bchno,
    sp.supplier_name AS spler_name,
    sp.licence_no AS spler_pmtno,
    b.manu_lotnum AS manu_lotnum,
    d.prodentp_name AS prodentp_name,
    d.aprvno AS aprvno,
    b.manu_date AS manu_date,
    b.expy_end AS expy_end,
    pl.price AS finl_trns_pric,
    pl.qty AS purc_retn_cnt,
    pr.invoice_code AS purc_invo_codg,
    pr.invoice_no AS purc_invo_no,
    d.rx_type AS rx_type,
    pr.receipt_time AS purc_retn_stoin_time,
    op.name AS purc_retn_opter_name,
    pl.gift_flag AS gift_flag,
    COALESCE(pl.remark, pr.remark) AS memo,
    pr.receipt_no AS receipt_no,
    pr.cancel_time AS cancel_time
FROM purchase_line pl
LEFT JOIN purchase_receipt pr ON pr.receipt_no = pl.receipt_no
LEFT JOIN supplier sp ON sp.supplier_code = pr.supplier_code
LEFT JOIN drug_dict d ON d.drug_code = pl.drug_code
LEFT JOIN stock_batch b ON b.batch_id = pl.batch_id
LEFT JOIN staff op ON op.staff_code = pr.operator_code
WHERE (pr.receipt_time >= :window_start AND pr.receipt_time < :window_end)
   OR (pr.cancel_time >= :window_start AND pr.cancel_time < :window_end)
ORDER BY pl.purchase_line_id
