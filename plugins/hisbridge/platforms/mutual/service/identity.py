"""Who the patient is, as the platform knows people: ID type and number, read from the HIS.

The workstation sends only its own patient id; the platform matches other hospitals' reports by ID type + ID
number. :class:`PatientDirectory` reads them with ``include/sql/mutual/patient.sql`` (one bind, ``patient_id``)
and translates the HIS's ID type by the code map the report uploads use, so a reminder asks for the person
exactly as our uploads name them. Looked-up identities are kept in the process for ``cache_s`` seconds: a
doctor's workstation asks for the same patient at every visit opened and every order (the HIS is not asked again
while the doctor works), and an ID number corrected in the HIS is used after at most that long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from hisbridge import SQL_DIR

SQL_PATH = SQL_DIR / "mutual" / "patient.sql"
#: a resident ID number: what an 18-character number without a recorded type is taken for
RESIDENT_ID = "01"
OTHER_ID = "99"


@dataclass(frozen=True)
class Identity:
    patient_id: str
    name: str
    gender: str | None
    birth_date: date | None
    id_card_type_code: str | None
    id_card_value: str | None

    @property
    def matchable(self) -> bool:
        """Whether the platform can find this person's reports (it matches by ID type and number)."""
        return bool(self.id_card_value and self.id_card_type_code)


def id_type_code(his_type: str | None, number: str | None, codes: Mapping[str, str]) -> str | None:
    """The platform's IdCardTypeCode for the HIS's ID type; an untyped 18-character number counts as a resident
    ID; an unmapped type as 99 其他; no number, no type."""
    if not number:
        return None
    if his_type:
        return codes.get(his_type.strip(), OTHER_ID)
    return RESIDENT_ID if len(number.strip()) == 18 else OTHER_ID


class PatientDirectory:
    def __init__(self, engine: Engine | Callable[[], Engine], id_types: Mapping[str, str], *,
                 cache_s: float = 300, sql_path: Path = SQL_PATH,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self.id_types = dict(id_types)
        self.cache_s = cache_s
        self.sql = text(sql_path.read_text(encoding="utf-8"))
        self.clock = clock
        self._cache: dict[str, tuple[float, Identity | None]] = {}
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if not isinstance(self._engine, Engine):
            self._engine = self._engine()
        return self._engine

    def lookup(self, patient_id: str) -> Identity | None:
        """The patient's identity, or ``None`` when the HIS has no such patient."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(patient_id)
        if cached and cached[0] > now:
            return cached[1]
        with self.engine.connect() as conn:
            row = conn.execute(self.sql, {"patient_id": patient_id}).mappings().first()
        found = None if row is None else self._identity(row)
        if self.cache_s > 0:
            with self._lock:
                if len(self._cache) > 10_000:  # bounded: a day's patients of one server, not the whole HIS
                    self._cache.clear()
                self._cache[patient_id] = (now + self.cache_s, found)
        return found

    def _identity(self, row: Mapping) -> Identity:
        number = (row["id_card_no"] or "").strip() or None
        birth = row["birth_date"]
        if isinstance(birth, datetime):
            birth = birth.date()
        elif isinstance(birth, str):  # SQLite keeps dates as text
            birth = date.fromisoformat(birth[:10]) if birth else None
        return Identity(patient_id=str(row["patient_id"]), name=(row["patient_name"] or "").strip(),
                        gender=row["gender"], birth_date=birth,
                        id_card_type_code=id_type_code(row["id_type"], number, self.id_types),
                        id_card_value=number)
