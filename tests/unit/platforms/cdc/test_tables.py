"""The CDC table declarations are complete and consistent: every table of the reference, every column described
with a valid type, camelCase names that round-trip, code sets that exist and fit, parents that point at keys,
names every database accepts, and a docs table that is not stale."""

from __future__ import annotations

import re

import pytest

from hisbridge.contracts.names import RESERVED_WORDS, check_comment
from hisbridge.platforms.cdc import doc
from hisbridge.platforms.cdc.codes import code_set, code_sets
from hisbridge.platforms.cdc.tables import TABLES, Need, Timeliness, by_entity, camel, snake, table

COLUMNS = [(t, c) for t in TABLES.values() for c in t.columns]
#: the front-end's names longer than Oracle's old 30-character limit (the docs and the DDL header say so)
LONG_NAMES = {"examination_quantification_lower", "examination_quantification_upper",
              "examination_quantification_unit", "laboratory_detection_verdict_code",
              "laboratory_detection_verdict_name"}

#: platforms.md §1.2 (entity path names) and §1.3 (timeliness), as the reference prints them
REFERENCE = {
    "base_user": ("baseUser", Timeliness.BASE), "base_dept": ("baseDept", Timeliness.BASE),
    "emr_patient_info": ("emrPatientInfo", Timeliness.REALTIME),
    "emr_activity_info": ("emrActivityInfo", Timeliness.REALTIME),
    "emr_inf_report": ("emrInfReport", Timeliness.REALTIME),
    "emr_outpatient_record": ("emrOutpatientRecord", Timeliness.SAME_DAY),
    "emr_outpatient_obs": ("emrOutpatientObs", Timeliness.SAME_DAY),
    "emr_admission_info": ("emrAdmissionInfo", Timeliness.SAME_DAY),
    "emr_first_course": ("emrFirstCourse", Timeliness.SAME_DAY),
    "emr_daily_course": ("emrDailyCourse", Timeliness.SAME_DAY),
    "emr_admission_record": ("emrAdmissionRecord", Timeliness.NEXT_DAY),
    "emr_discharge_info": ("emrDischargeInfo", Timeliness.NEXT_DAY),
    "emr_ex_clinical": ("emrExClinical", Timeliness.SAME_DAY),
    "emr_ex_clinical_item": ("emrExClinicalItem", Timeliness.SAME_DAY),
    "emr_ex_lab": ("emrExLab", Timeliness.SAME_DAY), "emr_ex_lab_item": ("emrExLabItem", Timeliness.SAME_DAY),
    "emr_order": ("emrOrder", Timeliness.SAME_DAY), "emr_order_item": ("emrOrderItem", Timeliness.SAME_DAY),
    "emr_death_info": ("emrDeathInfo", Timeliness.SAME_DAY),
    "emr_vital_signs_record": ("emrVitalSignsRecord", Timeliness.SAME_DAY),
}


def test_every_table_of_the_reference_is_declared_with_its_entity_and_timeliness() -> None:
    assert {name: (t.entity, t.group) for name, t in TABLES.items()} == REFERENCE
    assert by_entity("emrExLabItem") is table("emr_ex_lab_item")
    with pytest.raises(KeyError, match="unknown CDC table"):
        table("emr_nothing")


@pytest.mark.parametrize(("t", "col"), COLUMNS, ids=[f"{t.name}.{c.name}" for t, c in COLUMNS])
def test_every_column_is_described_typed_and_named_for_every_database(t, col) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", col.name)
    assert col.title.strip() and check_comment(col.title)
    assert col.type in ("text", "timestamp") or 1 <= (col.length or 0) <= 4000
    assert col.name.upper() not in RESERVED_WORDS
    assert len(col.name) <= 30 or col.name in LONG_NAMES  # Oracle 12.2+ (documented)
    assert snake(col.camel) == col.name  # the wire key maps back to the column


def test_names_round_trip_between_snake_and_camel_case() -> None:
    assert camel("ex_lab_id") == "exLabId" and camel("id") == "id" and camel("workunit") == "workunit"
    assert camel("examination_quantification_ri") == "examinationQuantificationRi"
    for t in TABLES.values():
        assert snake(t.entity) == t.name
        assert len(t.by_camel) == len(t.columns)


def test_the_common_columns_have_the_reference_types() -> None:
    patient = table("emr_patient_info")
    assert patient.column("id").type == "varchar(80)"
    assert patient.column("gender_code").type == "varchar(2)" and patient.column("gender_name").type == "varchar(10)"
    assert patient.column("birth_date").type == "timestamp"
    assert patient.column("org_code").type == "varchar(9)"
    lab_item = table("emr_ex_lab_item")
    assert lab_item.column("item_name").type == "text"
    assert lab_item.column("examination_quantification_ri").type == "varchar(2)"
    assert table("emr_vital_signs_record").column("invalid_flag").type == "varchar(2)"
    assert table("emr_activity_info").column("wm_disease_code").type == "varchar(400)"
    for t in TABLES.values():
        assert t.key == "id"
        if t.name.startswith("emr_"):
            assert t.column("operation_time").type == "timestamp"
            assert t.column("invalid_flag").codes == "invalid_flag"


def test_required_columns_are_only_what_public_material_marks() -> None:
    required = {(t.name, c.name): c.need for t, c in COLUMNS if c.required}
    keys = {(t.name, t.key): Need.NOT_NULL for t in TABLES.values()}
    marked = {
        ("emr_first_course", "patient_id"): Need.NOT_NULL,  # BK NOT NULL
        ("base_dept", "dept_code"): Need.NOT_NULL,  # the key of public implementations (base_dept has no id there)
        ("emr_ex_lab_item", "ex_lab_id"): Need.NOT_NULL,  # CZ NOT NULL
        **{("emr_patient_info", name): Need.REQUIRED for name in (  # the public quality dashboard's 必填
            "patient_name", "id_card_type_code", "id_card_type_name", "id_card", "org_code", "org_name",
            "operation_time")},
    }
    assert required == {**keys, **marked}


def test_parents_point_at_declared_keys() -> None:
    links = {(t.name, c.name): c.parent for t, c in COLUMNS if c.parent}
    assert links[("emr_ex_lab_item", "ex_lab_id")] == "emr_ex_lab"
    assert links[("emr_ex_clinical_item", "ex_clinical_id")] == "emr_ex_clinical"
    assert links[("emr_order_item", "order_id")] == "emr_order"
    with_patient = {t.name for t in TABLES.values() if t.has("patient_id")}
    assert {n for (n, c), p in links.items() if c == "patient_id" and p == "emr_patient_info"} == with_patient
    assert len(with_patient) == 14  # every emr_ table but the patient itself and the three item tables
    for (name, column), parent in links.items():
        parent_table = table(parent)
        assert parent_table.column(parent_table.key).type == table(name).column(column).type
    order = list(TABLES)
    for (name, _), parent in links.items():
        assert order.index(parent) < order.index(name), "TABLES lists parents before their children"


def test_coded_columns_name_existing_code_sets_and_code_names_fit_their_name_columns() -> None:
    used = set()
    for t, c in COLUMNS:
        if not c.codes:
            continue
        cs = code_set(c.codes)
        used.add(cs.name)
        assert all(len(code) <= (c.length or 0) for code in cs.codes), f"{t.name}.{c.name}"
        sibling = c.name[:-5] + "_name" if c.name.endswith("_code") else None
        if sibling and t.has(sibling):
            width = t.column(sibling).length or 0
            assert all(len(name) <= width for name in cs.codes.values()), f"{t.name}.{sibling}"
    assert used == set(code_sets()), "every code set of the dictionaries file is used by a column"


def test_code_sets_carry_the_national_codes() -> None:
    assert dict(code_set("gender").codes) == {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}
    assert code_set("gender").standard.startswith("GB/T 2261.1")
    assert {"01", "99"} <= set(code_set("id_card_type").codes)
    assert list(code_set("activity_type").codes) == [str(n) for n in range(1, 10)]
    assert code_set("nation").name_of("01") == "汉族" and len(code_set("nation").codes) == 58
    assert code_set("nationality").name_of("156") == "中国" and not code_set("nationality").closed
    assert {"01", "02", "07"} <= set(code_set("lab_result").codes)
    assert dict(code_set("invalid_flag").codes) == {"0": "有效", "1": "作废"}
    assert code_set("target_dept").name_of("A16") == "传染科"


def test_personal_columns_are_flagged() -> None:
    flagged = {c.name for t, c in COLUMNS if c.pii}
    assert {"patient_name", "id_card", "tel", "contacts", "contacts_tel", "current_addr_detail",
            "permanent_addr_detail", "user_name"} <= flagged
    assert not {"id", "patient_id", "org_code", "gender_code"} & flagged


def test_docs_table_is_generated_from_the_declarations() -> None:
    text = doc.DOC.read_text(encoding="utf-8")
    assert doc.rendered(text) == text, "run `python -m hisbridge cdc doc --write`"
    assert "### emr_ex_lab_item — 检验报告项目" in text
