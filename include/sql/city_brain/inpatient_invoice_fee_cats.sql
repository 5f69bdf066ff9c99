-- 城市大脑·住院发票费用分类 (child of inpatientInvoices): the fee lines of the settlements asked for (parent_key =
-- setl_id) summed by 医疗收费项目类别: a drug by its category (西药 09, 中药饮片 10, 中成药 11), a consumable as 08, a
-- service by its charge item's med_chrgitm_type (14 其他费 when unknown).
-- Bind: keys (an expanding list of settlement ids).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    f.parent_key AS parent_key,
    f.fee_cat AS fee_cat,
    c.name AS fee_cat_name,
    SUM(f.amount) AS amount
FROM (
    SELECT
        x.setl_id AS parent_key,
        CASE
            WHEN x.item_kind = 'drug' AND g.drug_cat = '中药饮片' THEN '10'
            WHEN x.item_kind = 'drug' AND g.drug_cat = '中成药' THEN '11'
            WHEN x.item_kind = 'drug' THEN '09'
            WHEN x.item_kind = 'material' THEN '08'
            ELSE COALESCE(h.med_chrgitm_type, '14')
        END AS fee_cat,
        x.amount AS amount
    FROM fee_detail x
    LEFT JOIN drug_dict g ON g.drug_code = x.item_code AND x.item_kind = 'drug'
    LEFT JOIN charge_item h ON h.item_code = x.item_code AND x.item_kind <> 'drug'
) f
LEFT JOIN code_dict c ON c.dict_type = 'fee_cat' AND c.code = f.fee_cat
WHERE f.parent_key IN :keys
GROUP BY f.parent_key, f.fee_cat, c.name
ORDER BY f.parent_key, f.fee_cat
