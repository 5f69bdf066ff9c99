-- 医保追溯码 3505 商品销售 (sale / dispensing) — one row per (sale line, scanned 追溯码).
-- A sale line without any scanned code still appears once, with trace_code NULL (LEFT JOIN).
-- Window (half-open, local time) on the sale time, OR on the cancel time, so that a sale cancelled in a later
-- window is seen again with voided = 1 and an uploaded one can be withdrawn (3507).
-- Lookups are LEFT JOINs so that a line with broken reference data is selected (and quarantined), never lost.
-- Coded HIS values are returned raw and translated by include/mappings/hsa_trace_sale.yaml:
--   rx_type RX/OTC, split_flag and external_flag Y/N, setl_type YB/ZF, *_cert_kind id_card/other,
--   hi_feesetl_kind self/local/remote (local = 参保地 in Nanchang, 3601xx).
-- mdtrt_sn: the 医保 mdtrt_id for insured visits, else the HIS registration (visit) serial.
SELECT
    s.sale_line_id AS sale_line_id,
    t.trace_code AS trace_code,
    CASE WHEN s.status = 'cancelled' THEN 1 ELSE 0 END AS voided,
    d.med_list_codg AS med_list_codg,
    s.drug_code AS fixmedins_hilist_id,
    d.drug_name AS fixmedins_hilist_name,
    s.batch_id AS fixmedins_bchno,
    CASE WHEN doc.id_card_no IS NULL THEN 'other' ELSE 'id_card' END AS prsc_dr_cert_kind,
    doc.id_card_no AS prsc_dr_certno,
    doc.name AS prsc_dr_name,
    CASE WHEN ph.id_card_no IS NULL THEN 'other' ELSE 'id_card' END AS phar_cert_kind,
    ph.id_card_no AS phar_certno,
    ph.name AS phar_name,
    ph.prac_cert_no AS phar_prac_cert_no,
    CASE
        WHEN r.setl_type = 'YB' AND pt.insuplc_admdvs LIKE '3601%' THEN 'local'
        WHEN r.setl_type = 'YB' THEN 'remote'
        ELSE 'self'
    END AS hi_feesetl_kind,
    r.setl_id AS setl_id,
    COALESCE(r.mdtrt_id, r.reg_id) AS mdtrt_sn,
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
    s.rx_no AS rxno,
    r.external_flag AS external_flag,
    s.rtal_docno AS rtal_docno,
    s.stoout_no AS stoout_no,
    s.batch_id AS bchno,
    d.barcode AS drug_prod_barc,
    d.shelf_posi AS shelf_posi,
    s.qty AS sel_retn_cnt,
    s.sale_time AS sel_retn_time,
    op.name AS sel_retn_opter_name,
    s.remark AS memo,
    r.setl_type AS setl_type,
    d.trace_required AS trace_required,
    s.cancel_time AS cancel_time
FROM sale_line s
LEFT JOIN drug_dict d ON d.drug_code = s.drug_code
LEFT JOIN stock_batch b ON b.batch_id = s.batch_id
LEFT JOIN prescription r ON r.rx_no = s.rx_no
LEFT JOIN patient pt ON pt.patient_id = r.patient_id
LEFT JOIN staff doc ON doc.staff_code = r.doctor_code
LEFT JOIN staff ph ON ph.staff_code = s.pharmacist_code
LEFT JOIN staff op ON op.staff_code = s.operator_code
LEFT JOIN drug_trace_code t ON t.src_kind = 'sale' AND t.src_id = s.sale_line_id
WHERE (s.sale_time >= :window_start AND s.sale_time < :window_end)
   OR (s.cancel_time >= :window_start AND s.cancel_time < :window_end)
ORDER BY s.sale_line_id, t.trace_code
