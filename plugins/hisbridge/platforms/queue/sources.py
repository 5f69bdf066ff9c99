"""The expression library: what each contract ``source`` key means in SQL, per view and per dialect.

A column in ``queue_views.yaml`` names a ``source`` key; this module turns the key into an SQL expression over
the demo HIS schema (``dept``, ``room``, ``staff``, ``patient``, ``registration``) for PostgreSQL, Oracle or
SQLite. The FROM/WHERE of each view lives here too (``hx_queue`` keeps only today: :mod:`.today`). A site whose
HIS differs adds an ``expr`` per dialect in its overrides instead of editing this file.

Rules kept by every view: id card number, phone and address are never selected; the patient's name only
leaves through :func:`masked_name`; ``ADD_STATE`` is 2 (valid) or 0 (invalid), never NULL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hisbridge.contracts.sql import Dialect, Qualify, sql_literal
from hisbridge.platforms.queue.settings import Settings
from hisbridge.platforms.queue.today import is_today

Expr = str | Mapping[str, str] | Callable[[Dialect, Settings], str]


def masked_name(dialect: Dialect, settings: Settings, column: str = "p.name") -> str:
    """The patient's name for the waiting-room screen: 张小三 → 张*三, 李四 → 李* (``first_last``)."""
    n = f"TRIM({column})"
    length = "char_length" if dialect == "postgresql" else "LENGTH"
    first = f"SUBSTR({n}, 1, 1)"
    last = f"SUBSTR({n}, {length}({n}), 1)"
    if settings.mask_rule == "none":
        return n
    if settings.mask_rule == "first_only":
        return f"CASE WHEN {length}({n}) <= 1 THEN {n} ELSE {first} || '*' END"
    return (
        f"CASE WHEN {length}({n}) <= 1 THEN {n} "
        f"WHEN {length}({n}) = 2 THEN {first} || '*' "
        f"ELSE {first} || '*' || {last} END"
    )


def _born_at_least(
    dialect: Dialect, years: int, birth: str = "p.birth_date", on: str = "rg.visit_date"
) -> str:
    """A predicate: on the date ``on`` the person born on ``birth`` is ``years`` old or older."""
    if dialect == "postgresql":
        return f"{birth} <= {on} - make_interval(years => {int(years)})"
    if dialect == "oracle":
        return f"{birth} <= ADD_MONTHS({on}, -{12 * int(years)})"
    return f"date({birth}) <= date({on}, '-{int(years)} years')"


def _age(dialect: Dialect, _settings: Settings) -> str:
    if dialect == "postgresql":
        return "date_part('year', age(rg.visit_date, p.birth_date))"
    if dialect == "oracle":
        return "TRUNC(MONTHS_BETWEEN(rg.visit_date, p.birth_date) / 12)"
    return (
        "(CAST(strftime('%Y', rg.visit_date) AS INTEGER) - CAST(strftime('%Y', p.birth_date) AS INTEGER)"
        " - (strftime('%m-%d', rg.visit_date) < strftime('%m-%d', p.birth_date)))"
    )


def _case(column: str, codes: Mapping[str, str]) -> str:
    """Translate codes to names; an unknown code comes through as itself."""
    if not codes:
        return column
    whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in codes.items())
    return f"CASE {column} {whens} ELSE {column} END"


def _later(a: str, b: str) -> Expr:
    """The later of two timestamps, ignoring a NULL on either side (GREATEST differs across dialects)."""
    return {
        "postgresql": f"GREATEST({a}, {b})",
        "oracle": f"GREATEST(NVL({a}, {b}), NVL({b}, {a}))",
        "sqlite": f"max(coalesce({a}, {b}), coalesce({b}, {a}))",
    }


def _dept_filter(alias: str, settings: Settings) -> str:
    return f"{alias}.dept_type IN ({', '.join(sql_literal(t) for t in settings.dept_types)})"


def _active(*aliases: str) -> str:
    cond = " AND ".join(f"{a}.is_active = 1" for a in aliases)
    return f"CASE WHEN {cond} THEN 2 ELSE 0 END"


@dataclass(frozen=True)
class ViewSource:
    """The FROM/WHERE of one view and the expressions its columns may use."""

    from_where: Callable[[Dialect, Settings, Qualify], str]
    columns: Mapping[str, Expr]


LIBRARY: dict[str, ViewSource] = {
    "hx_department": ViewSource(
        from_where=lambda d, s, q: f"FROM {q('dept')} d\nWHERE {_dept_filter('d', s)}",
        columns={
            "dept_code": "d.dept_code",
            "dept_name": "d.dept_name",
            "spell_code": "d.spell_code",
            "campus_code": "d.campus",
            "campus_name": lambda d, s: _case("d.campus", s.campus_names),
            "area": "d.area",
            "dept_floor": "d.floor",
            "sort_no": "d.sort_no",
            "updated_at": "d.updated_at",
            "add_state": _active("d"),
        },
    ),
    "hx_room": ViewSource(
        from_where=lambda d, s, q: (
            f"FROM {q('room')} r\nJOIN {q('dept')} d ON d.dept_code = r.dept_code\nWHERE {_dept_filter('d', s)}"
        ),
        columns={
            "room_code": "r.room_code",
            "room_name": "r.room_name",
            "dept_code": "r.dept_code",
            "dept_name": "d.dept_name",
            "room_floor": "r.floor",
            "room_location": "r.location",
            "caller_terminal": "r.caller_terminal",
            "updated_at": _later("r.updated_at", "d.updated_at"),
            "add_state": _active("r", "d"),
        },
    ),
    "hx_doctor": ViewSource(
        from_where=lambda d, s, q: (
            f"FROM {q('staff')} st\nLEFT JOIN {q('dept')} d ON d.dept_code = st.dept_code\nWHERE st.role = 'doctor'"
        ),
        columns={
            "staff_code": "st.staff_code",
            "doctor_name": "st.name",
            "gender": "st.gender",
            "title": "st.title",
            "dept_code": "st.dept_code",
            "dept_name": "d.dept_name",
            "specialty": "st.specialty",
            "updated_at": "st.updated_at",
            "add_state": _active("st"),
        },
    ),
    "hx_queue": ViewSource(
        from_where=lambda d, s, q: (
            f"FROM {q('registration')} rg\n"
            f"JOIN {q('patient')} p ON p.patient_id = rg.patient_id\n"
            f"JOIN {q('dept')} d ON d.dept_code = rg.dept_code\n"
            f"LEFT JOIN {q('room')} r ON r.room_code = rg.room_code\n"
            f"LEFT JOIN {q('staff')} st ON st.staff_code = rg.doctor_code\n"
            f"WHERE {is_today(d, s, 'rg.visit_date')}\n  AND {_dept_filter('d', s)}"
        ),
        columns={
            "reg_id": "rg.reg_id",
            "visit_date": "rg.visit_date",
            "time_slot": "rg.time_slot",
            "time_slot_name": _case("rg.time_slot", {"1": "上午", "2": "下午", "3": "晚间"}),
            "queue_no": "rg.queue_no",
            "patient_id": "rg.patient_id",
            "patient_name_masked": lambda d, s: masked_name(d, s, "p.name"),
            "gender": "p.gender",
            "age": _age,
            "dept_code": "rg.dept_code",
            "dept_name": "d.dept_name",
            "room_code": "rg.room_code",
            "room_name": "r.room_name",
            "doctor_code": "rg.doctor_code",
            "doctor_name": "st.name",
            "reg_type": "rg.reg_type",
            "reg_type_name": _case("rg.reg_type", {"normal": "普通", "expert": "专家", "emergency": "急诊"}),
            "is_appointment": "COALESCE(rg.is_appointment, 0)",
            "reg_time": "rg.reg_time",
            "sign_in_state": "CASE WHEN rg.sign_in_time IS NULL THEN 0 ELSE 1 END",
            "sign_in_time": "rg.sign_in_time",
            "visit_status": "rg.visit_status",
            "is_revisit": "COALESCE(rg.is_revisit, 0)",
            "is_elderly": lambda d, s: f"CASE WHEN {_born_at_least(d, s.elderly_age)} THEN 1 ELSE 0 END",
            "priority": lambda d, s: (
                f"CASE WHEN {_born_at_least(d, s.elderly_age)} THEN 2 "
                "WHEN rg.is_revisit = 1 THEN 1 ELSE 0 END"
            ),
            "updated_at": "rg.updated_at",
            "add_state": "CASE WHEN rg.status = 'normal' THEN 2 ELSE 0 END",
        },
    ),
}


def library_keys(view: str) -> frozenset[str]:
    """The source keys a column of ``view`` may name."""
    return frozenset(LIBRARY[view].columns)


def expression(view: str, source: str, dialect: Dialect, settings: Settings) -> str:
    """The SQL of source key ``source`` of ``view`` in ``dialect``."""
    expr = LIBRARY[view].columns[source]
    if callable(expr):
        return expr(dialect, settings)
    if isinstance(expr, str):
        return expr
    return expr[dialect]
