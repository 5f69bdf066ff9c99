-- 收费项目 → 九龙湖 sfxm_dict: medical services and consumables with the 国家医保 code (med_list_codg: 医疗服务
-- 项目代码 or the 20-character 耗材 code; NULL until 目录对照).
SELECT
    c.item_code AS item_code,
    c.item_name AS item_name,
    c.item_kind AS item_kind,
    c.med_chrgitm_type AS med_chrgitm_type,
    c.unit AS unit,
    c.spec AS spec,
    c.price AS price,
    c.med_list_codg AS med_list_codg,
    c.is_active AS is_active
FROM charge_item c
ORDER BY c.item_code
