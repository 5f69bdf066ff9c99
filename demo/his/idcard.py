"""Resident identity card numbers (居民身份证号码, GB 11643-1999) for the demo HIS.

An 18-character number is: 6-digit area code (GB/T 2260) + 8-digit birth date ``yyyyMMdd`` + 3-digit sequence
code (odd = male, even = female) + 1 check character computed with ISO 7064 MOD 11-2 (``0``–``9`` or ``X``).
The demo only issues Nanchang area codes (``3601xx``).
"""

from __future__ import annotations

import re
from datetime import date

#: Nanchang city (南昌市) and its districts/counties, GB/T 2260.
NANCHANG_AREAS: dict[str, str] = {
    "360102": "东湖区",
    "360103": "西湖区",
    "360104": "青云谱区",
    "360111": "青山湖区",
    "360112": "新建区",
    "360113": "红谷滩区",
    "360121": "南昌县",
    "360123": "安义县",
    "360124": "进贤县",
}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def make_id_card_no(area: str, birth: date, seq: int) -> str:
    """Build a valid number; ``seq`` (0–999) carries the gender in its parity (odd = male)."""
    if len(area) != 6 or not area.isdigit():
        raise ValueError(f"area code must be 6 digits: {area!r}")
    if not 0 <= seq <= 999:
        raise ValueError("sequence code must be 0..999")
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def birth_date_of(id_no: str) -> date:
    return date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14]))


def gender_of(id_no: str) -> str:
    """``'1'`` male / ``'2'`` female, as the HIS and the 医保 ``gend`` dictionary code it."""
    return "1" if int(id_no[16]) % 2 == 1 else "2"


def is_valid(id_no: str) -> bool:
    """Shape, a real birth date and the check character (the area code is not looked up)."""
    if not isinstance(id_no, str) or not _SHAPE.match(id_no):
        return False
    try:
        birth_date_of(id_no)
    except ValueError:
        return False
    return check_char(id_no[:17]) == id_no[17]
