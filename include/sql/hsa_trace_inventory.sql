-- 医保追溯码 3501 商品盘存 (stock-take) — one row per (stock-take row, scanned 追溯码).
-- One stock-take row is one batch counted in one department on one date; a row without scanned codes still
-- appears once, with trace_code NULL (LEFT JOIN). Window (half-open, local time) on the time the count was
-- recorded; invdate is the stock-take date. Stock-takes are not cancelled in this HIS: voided is always 0.
-- Coded HIS values are returned raw and translated by include/mappings/hsa_trace_inventory.yaml.
SELECT
    st.take_id AS take_id,
    t.trace_code AS trace_code,
    0 AS voided,
    d.med_list_codg AS med_list_codg,
    st.drug_code AS fixmedins_hilist_id,
    d.drug_name AS fixmedins_hilist_name,
    d.rx_type AS rx_type,
    st.take_date AS invdate,
    st.actual_qty AS inv_cnt,
    b.manu_lotnum AS manu_lotnum,
    st.batch_id AS fixmedins_bchno,
    b.manu_date AS manu_date,
    b.expy_end AS expy_end,
    st.remark AS memo,
    st.dept_code AS dept_code,
    d.trace_required AS trace_required
FROM stock_take st
LEFT JOIN drug_dict d ON d.drug_code = st.drug_code
LEFT JOIN stock_batch b ON b.batch_id = st.batch_id
LEFT JOIN drug_trace_code t ON t.src_kind = 'take' AND t.src_id = st.take_id
WHERE st.take_time >= :window_start AND st.take_time < :window_end
ORDER BY st.take_id, t.trace_code
