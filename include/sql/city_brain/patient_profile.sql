-- 城市大脑·个人档案查询 (endpoint patientProfile): one patient's file, found by the HIS patient id or by ID type and
-- number. Bind parameters patient_id, id_card_type and id_card_no (the ones not given are NULL; the request has
-- either the first or the other two). The HIS's ID types (code_dict id_type) are translated to CV02.01.101 here;
-- a patient without patient_extra whose number has 18 characters holds a resident ID card (01).
-- Several files for one ID number (a patient registered twice): the newest answers (first row of the ORDER BY).
-- Portable SQL (Oracle, PostgreSQL, SQLite); output column names are the answer's fields (snake case).
SELECT
    p.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    CASE
        WHEN x.id_type = 'SFZ' THEN '01'
        WHEN x.id_type = 'HKB' THEN '02'
        WHEN x.id_type = 'HZ' THEN '03'
        WHEN x.id_type = 'GAT' THEN '06'
        WHEN x.id_type = 'TW' THEN '07'
        WHEN x.id_type IS NULL AND LENGTH(p.id_card_no) = 18 THEN '01'
        WHEN p.id_card_no IS NULL THEN NULL
        ELSE '99'
    END AS id_card_type,
    p.id_card_no AS id_card_no,
    p.phone AS phone,
    COALESCE(x.curr_addr_detail, p.address) AS address,
    p.insuplc_admdvs AS insurance_area,
    x.health_card_no AS health_card_no,
    p.created_at AS created_at
FROM patient p
LEFT JOIN patient_extra x ON x.patient_id = p.patient_id
WHERE p.patient_id = :patient_id
   OR (p.id_card_no = :id_card_no
       AND CASE
               WHEN x.id_type = 'SFZ' THEN '01'
               WHEN x.id_type = 'HKB' THEN '02'
               WHEN x.id_type = 'HZ' THEN '03'
               WHEN x.id_type = 'GAT' THEN '06'
               WHEN x.id_type = 'TW' THEN '07'
               WHEN x.id_type IS NULL AND LENGTH(p.id_card_no) = 18 THEN '01'
               ELSE '99'
           END = :id_card_type)
ORDER BY p.created_at DESC, p.patient_id
