"""The campus's own codes (``include/mappings/jiulonghu_codes.yaml``) and a source row → campus row mapping.

A value a column's code map does not know quarantines the row with a reason in Chinese naming the dictionary, the
row, the column, the value and the map to complete — never a silent NULL (a staff member without a department on
the campus would be worse than one not yet synced). Empty values stay empty. The values mapped are codes
(departments, gender, categories), never personal data, so the reason may name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import shared_codes
from hisbridge.platforms.jiulonghu.catalogue import CODES_FILE, DICTIONARIES, Dictionary
from hisbridge.platforms.jiulonghu.plan import normalise

Codes = dict[str, dict[str, str]]


def load_codes(mappings_dir: Path = MAPPINGS_DIR) -> Codes:
    """The code maps; every map a declared column names must be there (a missing map is a deployment error,
    raised before anything is written)."""
    codes = shared_codes([CODES_FILE], mappings_dir)
    wanted = {c.codes for d in DICTIONARIES for c in d.columns if c.codes}
    missing = sorted(wanted - set(codes))
    if missing:
        raise ValueError(f"{CODES_FILE}: code maps {missing} are missing (named by platforms/jiulonghu/catalogue.py)")
    return codes


def map_row(d: Dictionary, row: Mapping[str, Any], codes: Codes) -> tuple[dict[str, Any] | None, str | None]:
    """``(campus row, None)``, or ``(None, reason)`` when a code has no campus counterpart."""
    key = row[d.key]
    out: dict[str, Any] = {}
    for col in d.columns:
        value = row[col.source]
        if col.codes and value is not None:
            mapped = codes[col.codes].get(str(value))
            if mapped is None:
                return None, (f"{d.title} {key}：{col.title}「{value}」在 {CODES_FILE} 的 {col.codes} 中没有院区对照，"
                              f"本行未同步（补上对照后下次同步）")
            value = mapped
        out[col.campus] = value
    if out[d.campus_key] is None:
        return None, f"{d.title} {key}：{d.key_column.title}为空，无法同步"
    out[d.campus_key] = str(out[d.campus_key])
    active = row[d.active.source]
    out[d.active.campus] = d.active.campus_on if normalise(active) in d.active.source_on else d.active.campus_off
    return out, None
