-- 医保追溯码 3506 商品销售退货 (sale return) — one row per (sale return, returned package's 追溯码).
-- A return without scanned codes still appears once, with trace_code NULL (LEFT JOIN).
-- Window (half-open, local time) on the return time. Returns are not cancelled in this HIS: voided is always 0.
-- medins_prod_sel_no links to the 3505 record: the sale_line_id of the sale being returned.
-- Coded HIS values are returned raw and translated by include/mappings/hsa_trace_sale_return.yaml.
SELECT
    sr.return_id AS sale_return_id,
    t.trace_code AS trace_code,
    0 AS voided,
    d.med_list_codg AS med_list_codg,
    s.drug_code AS fixmedins_hilist_id,
    d.drug_name AS fixmedins_hilist_name,
    s.batch_id AS fixmedins_bchno,
    r.setl_id AS setl_id,
    pt.psn_no AS psn_no,
    CASE WHEN pt.id_card_no IS NULL THEN 'other' ELSE 'id_card' END AS psn_cert_kind,
    pt.id_card_no AS certno,
    pt.name AS psn_name,
    b.manu_lotnum AS manu_lotnum,
    b.manu_date AS manu_date,
    b.expy_end AS expy_end,
    d.rx_type AS rx_type,
    s.split_flag AS split_flag,
    s.unit_price AS finl_trns_pric,
    sr.qty AS sel_retn_cnt,
    sr.return_time AS sel_retn_time,
    op.name AS sel_retn_opter_name,
    COALESCE(sr.remark, sr.reason) AS memo,
    sr.sale_line_id AS medins_prod_sel_no,
    COALESCE(r.mdtrt_id, r.reg_id) AS mdtrt_sn,
    d.trace_required AS trace_required
FROM sale_return sr
LEFT JOIN sale_line s ON s.sale_line_id = sr.sale_line_id
LEFT JOIN drug_dict d ON d.drug_code = s.drug_code
LEFT JOIN stock_batch b ON b.batch_id = s.batch_id
LEFT JOIN prescription r ON r.rx_no = s.rx_no
LEFT JOIN patient pt ON pt.patient_id = r.patient_id
LEFT JOIN staff op ON op.staff_code = sr.operator_code
LEFT JOIN drug_trace_code t ON t.src_kind = 'sale_ret' AND t.src_id = sr.return_id
WHERE sr.return_time >= :window_start AND sr.return_time < :window_end
ORDER BY sr.return_id, t.trace_code
