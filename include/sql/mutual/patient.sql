-- 检查检验互认·工作站服务: the identity of one patient, read when a workstation asks for reminders or opens the
-- 互认 page. The platform matches a person's reports from other hospitals by ID type + ID number, so these two
-- must be what the report uploads send (the HIS id type is translated by the same code map, id_card_type).
-- One bind parameter, patient_id (the HIS patient id the workstation sends as patientId). At most one row.
-- A patient without patient_extra (registered before the EMR extension) has no id type: the service then takes
-- an 18-character ID number for a resident ID card and asks nothing for anyone else.
-- Portable SQL (Oracle, PostgreSQL, SQLite): plain joins, no vendor functions. A site whose HIS keeps identities
-- elsewhere edits this file; the output column names are the contract.
SELECT
    p.patient_id AS patient_id,
    p.name AS patient_name,
    p.gender AS gender,
    p.birth_date AS birth_date,
    x.id_type AS id_type,
    p.id_card_no AS id_card_no
FROM patient p
LEFT JOIN patient_extra x ON x.patient_id = p.patient_id
WHERE p.patient_id = :patient_id
