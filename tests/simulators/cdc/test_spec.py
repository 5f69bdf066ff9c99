"""The simulator's own table specification: complete, consistent, and independent of hisbridge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulators.cdc import spec

BRIEF_ENTITIES = {
    "emrPatientInfo", "emrActivityInfo", "emrInfReport", "emrOutpatientRecord", "emrOutpatientObs",
    "emrAdmissionInfo", "emrFirstCourse", "emrDailyCourse", "emrAdmissionRecord", "emrDischargeInfo",
    "emrExClinical", "emrExClinicalItem", "emrExLab", "emrExLabItem", "emrOrder", "emrOrderItem", "emrDeathInfo",
    "emrVitalSignsRecord", "baseUser", "baseDept",
}  # fmt: skip


def test_tables_cover_the_brief() -> None:
    assert set(spec.BY_ENTITY) == BRIEF_ENTITIES
    assert spec.BY_ENTITY["emrExLabItem"].name == "emr_ex_lab_item"


def test_camel_case_of_column_names() -> None:
    assert spec.camel("patient_name") == "patientName"
    assert spec.camel("examination_quantification_ri") == "examinationQuantificationRi"
    assert spec.camel("id") == "id" and spec.camel("workunit") == "workunit"


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.entity)
def test_every_table_is_well_formed(table: spec.Table) -> None:
    names = [c.name for c in table.columns]
    assert len(names) == len(set(names))
    assert table.column("id").required() and table.column("id").length == 80
    for c in table.columns:
        assert c.cn and c.name == c.name.lower()
        assert (c.length is not None) == (c.type == "varchar"), c.name
        if c.codes:
            assert c.codes in spec.DICTS
    if table.has_patient:
        assert table.column("patient_id").required()
    if table.parent:
        column, parent = table.parent
        assert table.column(column).required() and parent in spec.BY_NAME


def test_lengths_and_types_from_the_reference() -> None:
    """Spot checks against platforms.md §1.5–1.6, to catch a slip in the tables."""
    expect = {
        ("emr_patient_info", "id_card"): ("varchar", 50),
        ("emr_patient_info", "nationality_code"): ("varchar", 5),
        ("emr_patient_info", "permanent_addr_detail"): ("varchar", 250),
        ("emr_patient_info", "birth_date"): ("timestamp", None),
        ("emr_activity_info", "wm_disease_code"): ("varchar", 400),
        ("emr_activity_info", "chief_complaint"): ("text", None),
        ("emr_outpatient_record", "org_code"): ("varchar", 9),
        ("emr_admission_record", "health_card_no"): ("varchar", 18),
        ("emr_admission_record", "admission_days"): ("varchar", 4),
        ("emr_ex_clinical", "apply_dept_code"): ("varchar", 20),
        ("emr_ex_clinical_item", "examination_quantification_unit"): ("varchar", 50),
        ("emr_ex_lab_item", "examination_quantification_unit"): ("varchar", 20),
        ("emr_ex_lab_item", "item_name"): ("text", None),
        ("emr_order", "prescription_no"): ("varchar", 30),
        ("emr_order_item", "tcm_prescription"): ("varchar", 500),
        ("emr_vital_signs_record", "invalid_flag"): ("varchar", 2),
        ("emr_daily_course", "treatment"): ("text", None),
    }
    for (table, column), (typ, length) in expect.items():
        c = spec.BY_NAME[table].column(column)
        assert (c.type, c.length) == (typ, length), (table, column)


def test_timeliness_groups() -> None:
    groups = {t.entity: t.group for t in spec.TABLES}
    assert {e for e, g in groups.items() if g == "realtime"} == {
        "emrPatientInfo",
        "emrActivityInfo",
        "emrInfReport",
    }
    assert {e for e, g in groups.items() if g == "routine_t1"} == {"emrAdmissionRecord", "emrDischargeInfo"}
    assert {e for e, g in groups.items() if g == "base"} == {"baseUser", "baseDept"}


def test_simulator_never_imports_hisbridge() -> None:
    for path in Path(spec.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "hisbridge" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "hisbridge", path
