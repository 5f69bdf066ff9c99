-- 药品 → 九龙湖 yp_dict: the drug dictionary with the 医保药品代码 (med_list_codg, NULL until 目录对照).
SELECT
    d.drug_code AS drug_code,
    d.drug_name AS drug_name,
    d.spec AS spec,
    d.dosage_form AS dosage_form,
    d.drug_cat AS drug_cat,
    d.pack_unit AS pack_unit,
    d.dose_unit AS dose_unit,
    d.pack_qty AS pack_qty,
    d.prodentp_name AS prodentp_name,
    d.aprvno AS aprvno,
    d.med_list_codg AS med_list_codg,
    d.rx_type AS rx_type,
    d.retail_price AS retail_price,
    d.trace_required AS trace_required,
    d.is_active AS is_active
FROM drug_dict d
ORDER BY d.drug_code
