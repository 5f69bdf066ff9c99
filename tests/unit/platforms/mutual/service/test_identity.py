"""The patient's identity as the platform matches people: the HIS's ID type through the uploads' code map."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from demo.his import schema as his
from hisbridge.db import make_engine
from hisbridge.platforms.mutual.service.identity import PatientDirectory, id_type_code
from hisbridge.platforms.mutual.service.items import load_item_map

CODES = {"SFZ": "01", "HZ": "03", "QT": "99"}


@pytest.mark.parametrize(("his_type", "number", "code"), [
    ("SFZ", "360102199001010011", "01"),
    ("HZ", "E12345678", "03"),
    ("XX", "123", "99"),  # a type nobody mapped: 其他
    (None, "360102199001010011", "01"),  # an untyped 18-character number: a resident ID
    (None, "E12345678", "99"),
    ("SFZ", None, None),  # no number: nothing to match by
    ("SFZ", "", None),
])
def test_id_type_codes(his_type, number, code) -> None:
    assert id_type_code(his_type, number, CODES) == code


def test_the_directory_reads_the_his_through_the_sql_file_and_caches(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    his.metadata.create_all(engine, tables=[his.patient, his.patient_extra])
    now = datetime(2026, 11, 1)
    with engine.begin() as conn:
        conn.execute(insert(his.patient), [{"patient_id": "P1", "name": "张三丰", "gender": "1",
                                            "birth_date": date(1990, 1, 1), "id_card_no": "360102199001010011",
                                            "created_at": now}])
        conn.execute(insert(his.patient_extra), [{"patient_id": "P1", "id_type": "SFZ", "updated_at": now}])
    clock = [0.0]
    directory = PatientDirectory(engine, load_item_map().id_types, cache_s=60, clock=lambda: clock[0])
    found = directory.lookup("P1")
    assert found is not None and found.matchable
    assert (found.id_card_type_code, found.id_card_value, found.birth_date) == ("01", "360102199001010011",
                                                                                date(1990, 1, 1))
    assert directory.lookup("NOBODY") is None
    engine.dispose()
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE patient SET id_card_no = NULL")
    assert directory.lookup("P1").matchable, "cached"
    clock[0] = 61
    assert not directory.lookup("P1").matchable
