-- 医保目录对照 3301 上传 / 3302 撤销 — one row per HIS 对照 (catalog_map) changed in the window, with the names,
-- spec, dosage form and unit of the HIS drug (drug_dict) or charge item / consumable (charge_item) it maps.
-- Window (half-open, local time) on catalog_map.updated_at: a new or edited row, and a withdrawn one (the HIS
-- withdraws a 对照 by status 'withdrawn' and a later updated_at; a changed national code is the old row withdrawn
-- plus a new active row).
-- Any status other than 'active' comes back with voided = 1 (withdrawn with 3302 if the platform holds it) —
-- unless an active row maps the same item, list type and national code: then the 对照 still stands (a HIS
-- duplicate withdrawn, or a withdrawal undone), and only the active row is returned.
-- Withdrawn rows come first: a changed code's 3302 must reach the platform before the 3301 of its new code (the
-- platform keeps one active 对照 per item and list type), also when a window spans several extraction chunks.
-- Rows of one business key (fixmedins_hilist_id, list_type, med_list_codg) are adjacent, newest first, so a
-- HIS duplicate folds into one record.
-- Lookups are LEFT JOINs: a 对照 of a code missing from the HIS dictionaries is selected (and quarantined).
-- pacspec (包装规格) is spelt as the pharmacy says it, e.g. 24片/盒, when all three parts are known.
SELECT
    m.item_code AS fixmedins_hilist_id,
    m.list_type AS list_type,
    m.med_list_codg AS med_list_codg,
    CASE WHEN m.status = 'active' THEN 0 ELSE 1 END AS voided,
    m.map_id AS map_id,
    m.item_kind AS item_kind,
    m.list_type AS map_list_type,
    CASE WHEN m.item_kind = 'drug' THEN d.drug_name ELSE c.item_name END AS fixmedins_hilist_name,
    m.begndate AS begndate,
    m.enddate AS enddate,
    d.aprvno AS aprvno,
    d.dosage_form AS dosform,
    CASE WHEN m.item_kind = 'drug' THEN d.pack_unit ELSE c.unit END AS prcunt,
    CASE WHEN m.item_kind = 'drug' THEN d.spec ELSE c.spec END AS spec,
    CASE
        WHEN d.pack_qty IS NOT NULL AND d.dose_unit IS NOT NULL AND d.pack_unit IS NOT NULL
        THEN CAST(d.pack_qty AS VARCHAR(10)) || d.dose_unit || '/' || d.pack_unit
    END AS pacspec
FROM catalog_map m
LEFT JOIN drug_dict d ON m.item_kind = 'drug' AND d.drug_code = m.item_code
LEFT JOIN charge_item c ON m.item_kind <> 'drug' AND c.item_code = m.item_code AND c.item_kind = m.item_kind
WHERE m.updated_at >= :window_start AND m.updated_at < :window_end
  AND (m.status = 'active' OR NOT EXISTS (
        SELECT 1 FROM catalog_map a
        WHERE a.item_code = m.item_code AND a.list_type = m.list_type AND a.med_list_codg = m.med_list_codg
          AND a.status = 'active'))
ORDER BY
    CASE WHEN m.status = 'active' THEN 1 ELSE 0 END,
    m.item_code, m.list_type, m.med_list_codg, m.updated_at DESC, m.map_id DESC
