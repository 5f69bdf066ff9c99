"""What the simulated 医保 platform remembers, and its 进销存 business rules.

One :class:`SimState` holds the configuration (gateway credentials, enforcement switches, limits) and the
in-memory platform data: 进销存 records per (fixmedins_code, inv_data_type, fixmedins_bchno), the stock they
imply per (fixmedins_code, fixmedins_bchno, med_list_codg), the traceability codes sold and not returned,
sign-ins, the msgids seen and a journal ``msgid -> (infno, outcome)``.

Records are the source of truth: stock and sold codes are derived from them, updated incrementally on insert
and rebuilt by replaying the remaining records after a 3507 delete, so a delete undoes exactly what the
deleted records did. Every method takes ``lock`` (re-entrant); the app holds it for a whole request, so a
batch is processed atomically with respect to other requests.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

from simulators.hsa import spec
from simulators.hsa.settlement import SettlementStore

#: The hospital and the platform work in Asia/Shanghai (UTC+8, no DST).
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

AuthMode = Literal["tif", "csb", "none"]
DEFAULT_MED_LIST_CODG_PATTERN = r"^[A-Z][A-Z0-9]{9,49}$"
TRACE_CODE = re.compile(r"^\d{20}$")


@dataclass
class Record:
    """One accepted 35xx row as the platform keeps it."""

    seq: int
    infno: str  # the single infno whose rules applied (3505 also for rows that came by 3505A)
    via: str  # the infno actually called (3505 or 3505A)
    fixmedins_code: str
    inv_data_type: str
    fixmedins_bchno: str
    med_list_codg: str
    msgid: str
    row: dict[str, Any]
    stored_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "infno": self.infno,
            "via": self.via,
            "fixmedins_code": self.fixmedins_code,
            "inv_data_type": self.inv_data_type,
            "fixmedins_bchno": self.fixmedins_bchno,
            "med_list_codg": self.med_list_codg,
            "msgid": self.msgid,
            "stored_at": self.stored_at,
            "row": self.row,
        }


@dataclass
class SignIn:
    sign_no: str
    fixmedins_code: str
    opter: str
    opter_no: str
    sign_time: str
    expires_at: float  # epoch seconds
    active: bool = True


@dataclass
class SimState:
    """Configuration and memory of one simulated platform. Safe to share between threads."""

    # gateway (hsa.md §1.3)
    auth_mode: AuthMode = "none"
    paasid: str | None = None
    secret: str | None = field(default=None, repr=False)
    ts_window_s: float = 300.0
    csb_api_name_is_infno: bool = True
    # platform behaviour
    area: str = "360100"  # first 6 characters of inf_refmsgid and sign_no
    enforce_sign_no: bool = True
    sign_ttl_s: float | None = None  # None: a sign_no is valid until the next local midnight
    max_batch_rows: int = 1000
    med_list_codg_pattern: str = DEFAULT_MED_LIST_CODG_PATTERN
    known_med_list_codes: set[str] | None = None  # when set, a code must also be in it
    require_2025_fields: bool = True  # fields marked "Y (2025)" in hsa.md are required
    clock: Callable[[], float] = time.time

    # memory
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    records: dict[tuple[str, str, str], list[Record]] = field(default_factory=dict, repr=False)
    inventory: dict[tuple[str, str, str], Decimal] = field(default_factory=dict, repr=False)
    sold: dict[str, Record] = field(default_factory=dict, repr=False)  # trace code -> sale record
    returned: dict[str, str] = field(default_factory=dict, repr=False)  # trace code -> fixmedins_code
    msgids: set[tuple[str, str]] = field(default_factory=set, repr=False)
    journal: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    sign_ins: dict[str, SignIn] = field(default_factory=dict, repr=False)
    nonces: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    counters: dict[str, int] = field(default_factory=dict, repr=False)
    settlement: SettlementStore = field(default_factory=SettlementStore, repr=False)  # 两定: settlement.py
    _seq: int = field(default=0, repr=False)
    _serial: int = field(default=0, repr=False)

    # ---------------------------------------------------------------------------------------------- time & ids

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), CST)

    def stamp_ms(self) -> str:
        """``yyyyMMddHHmmssSSS`` (refmsg_time, respond_time)."""
        now = self.now()
        return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"

    def next_id(self) -> str:
        """area(6) + yyyyMMddHHmmss + 10-digit serial = 30 characters (inf_refmsgid, sign_no)."""
        with self.lock:
            self._serial += 1
            serial = self._serial
        return f"{self.area[:6]:0<6}{self.now():%Y%m%d%H%M%S}{serial % 10**10:010d}"

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1

    # ---------------------------------------------------------------------------------------------- gateway

    def use_nonce(self, paasid: str, nonce: str) -> bool:
        """Remember a tif nonce for the timestamp window; ``False`` if it was already used."""
        with self.lock:
            now = self.clock()
            for key in [k for k, expiry in self.nonces.items() if expiry < now]:
                del self.nonces[key]
            if (paasid, nonce) in self.nonces:
                return False
            self.nonces[(paasid, nonce)] = now + 2 * self.ts_window_s
            return True

    # ---------------------------------------------------------------------------------------------- msgids

    def see_msgid(self, fixmedins_code: str, msgid: str, infno: Any, received_at: str) -> bool:
        """Register a msgid; ``False`` if this fixmedins_code already sent it (nothing is registered then)."""
        with self.lock:
            key = (fixmedins_code, msgid)
            if key in self.msgids:
                self.count("duplicate_msgids")
                return False
            self.msgids.add(key)
            self.journal[msgid] = {
                "infno": infno if isinstance(infno, str) else None,
                "fixmedins_code": fixmedins_code,
                "received_at": received_at,
                "outcome": "received",
                "err_msg": None,
                "rows_ok": 0,
                "rows_failed": 0,
                "fault": None,
            }
            return True

    def note(self, msgid: str, **values: Any) -> None:
        with self.lock:
            if msgid in self.journal:
                self.journal[msgid].update(values)

    # ---------------------------------------------------------------------------------------------- sign-in

    def sign_in(self, fixmedins_code: str, opter: str, opter_no: str) -> SignIn:
        with self.lock:
            now = self.now()
            if self.sign_ttl_s is not None:
                expires_at = now.timestamp() + self.sign_ttl_s
            else:
                midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
                expires_at = midnight.timestamp()
            signin = SignIn(
                sign_no=self.next_id(),
                fixmedins_code=fixmedins_code,
                opter=opter,
                opter_no=opter_no,
                sign_time=now.strftime("%Y-%m-%d %H:%M:%S"),
                expires_at=expires_at,
            )
            self.sign_ins[signin.sign_no] = signin
            return signin

    def sign_no_valid(self, sign_no: str, fixmedins_code: str) -> bool:
        with self.lock:
            signin = self.sign_ins.get(sign_no)
            return (
                signin is not None
                and signin.active
                and signin.fixmedins_code == fixmedins_code
                and self.clock() < signin.expires_at
            )

    def sign_out(self, sign_no: str, fixmedins_code: str) -> bool:
        with self.lock:
            if not self.sign_no_valid(sign_no, fixmedins_code):
                return False
            self.sign_ins[sign_no].active = False
            return True

    def expire_sign_ins(self) -> int:
        with self.lock:
            n = 0
            for signin in self.sign_ins.values():
                if signin.active:
                    signin.active = False
                    n += 1
            return n

    # ---------------------------------------------------------------------------------------------- 进销存

    def refusal(self, base: str, row: dict[str, Any], fixmedins_code: str) -> str | None:
        """Why the platform refuses a well-formed row (``retRslt 0``), or ``None``. Changes nothing."""
        with self.lock:
            code = row["med_list_codg"]
            if not re.fullmatch(self.med_list_codg_pattern, code) or (
                self.known_med_list_codes is not None and code not in self.known_med_list_codes
            ):
                return f"医疗目录编码[{code}]不存在"
            codes = spec.trace_codes(row)
            for c in codes:
                if not TRACE_CODE.fullmatch(c):
                    return f"药品追溯码[{c}]格式错误，应为20位数字"
            seen: set[str] = set()
            for c in codes:
                if c in seen:
                    return f"药品追溯码[{c}]重复"
                seen.add(c)
            if base == "3505":
                for c in codes:
                    if c in self.sold:
                        return f"药品追溯码[{c}]已销售"
            elif base == "3506":
                for c in codes:
                    sale = self.sold.get(c)
                    if sale is None or sale.fixmedins_code != fixmedins_code:
                        if self.returned.get(c) == fixmedins_code:
                            return f"药品追溯码[{c}]已退货"
                        return f"药品追溯码[{c}]无销售记录"
            return None

    def store(self, txn: spec.Txn, row: dict[str, Any], fixmedins_code: str, msgid: str) -> Record:
        """Keep an accepted row and apply its effect on stock and traceability codes."""
        assert txn.base is not None and txn.inv_data_type is not None
        with self.lock:
            self._seq += 1
            record = Record(
                seq=self._seq,
                infno=txn.base,
                via=txn.infno,
                fixmedins_code=fixmedins_code,
                inv_data_type=txn.inv_data_type,
                fixmedins_bchno=row["fixmedins_bchno"],
                med_list_codg=row["med_list_codg"],
                msgid=msgid,
                row=copy.deepcopy(row),
                stored_at=self.now().strftime("%Y-%m-%d %H:%M:%S"),
            )
            key = (fixmedins_code, record.inv_data_type, record.fixmedins_bchno)
            self.records.setdefault(key, []).append(record)
            self._apply(record)
            return record

    def delete(self, fixmedins_code: str, inv_data_type: str, fixmedins_bchno: str) -> int:
        """3507: remove the batch's records of one data type and undo their effects; how many were removed."""
        with self.lock:
            removed = self.records.pop((fixmedins_code, inv_data_type, fixmedins_bchno), [])
            if removed:
                self._rebuild()
            return len(removed)

    def _apply(self, record: Record) -> None:
        field_name, mode = spec.QUANTITY[record.infno]
        qty = spec.to_decimal(record.row[field_name]) or Decimal(0)
        key = (record.fixmedins_code, record.fixmedins_bchno, record.med_list_codg)
        current = self.inventory.get(key, Decimal(0))
        if mode == "set":
            self.inventory[key] = qty
        elif mode == "+":
            self.inventory[key] = current + qty
        elif mode == "-":
            self.inventory[key] = current - qty
        else:  # by_inv_chg_type
            sign = 1 if record.row["inv_chg_type"] in spec.INV_CHG_IN else -1
            self.inventory[key] = current + sign * qty
        if record.infno == "3505":
            for c in spec.trace_codes(record.row):
                self.sold[c] = record
                self.returned.pop(c, None)
        elif record.infno == "3506":
            for c in spec.trace_codes(record.row):
                self.sold.pop(c, None)
                self.returned[c] = record.fixmedins_code

    def _rebuild(self) -> None:
        self.inventory.clear()
        self.sold.clear()
        self.returned.clear()
        for record in sorted((r for rs in self.records.values() for r in rs), key=lambda r: r.seq):
            self._apply(record)

    # ---------------------------------------------------------------------------------------------- admin

    def reset(self) -> None:
        """Forget all data (records, stock, codes, msgids, journal, sign-ins, nonces, 两定 data); keep the config."""
        with self.lock:
            self.records.clear()
            self.inventory.clear()
            self.sold.clear()
            self.returned.clear()
            self.msgids.clear()
            self.journal.clear()
            self.sign_ins.clear()
            self.nonces.clear()
            self.counters.clear()
            self.settlement.reset()

    def all_records(
        self,
        fixmedins_code: str | None = None,
        inv_data_type: str | None = None,
        fixmedins_bchno: str | None = None,
    ) -> list[Record]:
        with self.lock:
            out = [
                r
                for (code, dtype, bchno), rs in self.records.items()
                for r in rs
                if (fixmedins_code is None or code == fixmedins_code)
                and (inv_data_type is None or dtype == inv_data_type)
                and (fixmedins_bchno is None or bchno == fixmedins_bchno)
            ]
            return sorted(out, key=lambda r: r.seq)

    def summary(self) -> dict[str, Any]:
        with self.lock:
            by_type = {t: 0 for t in ("1", "2", "3", "4")}
            by_infno: dict[str, int] = {}
            for (_, dtype, _), rs in self.records.items():
                by_type[dtype] = by_type.get(dtype, 0) + len(rs)
                for r in rs:
                    by_infno[r.infno] = by_infno.get(r.infno, 0) + 1
            now = self.clock()
            return {
                "records": by_type,
                "records_by_infno": dict(sorted(by_infno.items())),
                "inventory_size": len(self.inventory),
                "sold_codes": len(self.sold),
                "msgids_seen": len(self.msgids),
                "active_sign_ins": sum(1 for s in self.sign_ins.values() if s.active and now < s.expires_at),
                "counters": dict(self.counters),
                "settlement": self.settlement.summary(),
                "config": {
                    "auth_mode": self.auth_mode,
                    "paasid": self.paasid,
                    "ts_window_s": self.ts_window_s,
                    "area": self.area,
                    "enforce_sign_no": self.enforce_sign_no,
                    "sign_ttl_s": self.sign_ttl_s,
                    "max_batch_rows": self.max_batch_rows,
                    "med_list_codg_pattern": self.med_list_codg_pattern,
                    "require_2025_fields": self.require_2025_fields,
                },
            }

    def inventory_json(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"fixmedins_code": c, "fixmedins_bchno": b, "med_list_codg": m, "qty": str(q)}
                for (c, b, m), q in sorted(self.inventory.items())
            ]
