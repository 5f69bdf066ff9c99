"""The 两定 (settlement) side of the simulated 医保 platform: its memory, its money model and its handlers.

What the platform remembers (:class:`SettlementStore`, one per :class:`~simulators.hsa.state.SimState`, as
``state.settlement``; hsa.md §7.4):

* **persons** ``psn_no -> Person`` (baseinfo, insuinfo rows, the 就诊凭证 that find them in 1101). Seeded with
  :func:`seed_persons`; add more with :meth:`SettlementStore.add_person`. The personal-account balance is the
  seeded ``balc`` minus the ``acct_pay`` of the person's live settlements, so cancels and reversals give it back.
* **visits** ``mdtrt_id -> Visit``: outpatient (2201: ``registered`` → ``cancelled``) and inpatient (2401:
  ``admitted`` → ``discharged``; ``cancelled`` by 2404; ``reversed`` by 2601).
* **fee details** per visit, ``feedetl_sn -> Detail`` (row as uploaded, the per-row split of the money model,
  ``chrg_bchno``, ``setl_id`` or ``None`` while unsettled). 2205/2302 delete unsettled ones (``"0000"``: all).
* **settlements** ``setl_id -> Settlement`` (2207/2304 originals; 2208/2305 create a negative twin with a new
  ``setl_id`` and ``cancel_of`` set, and the original becomes ``cancelled`` and frees its details). Status
  ``live`` / ``cancelled`` / ``reversed`` (2601: as if it never happened).
* **the 2601 journal** ``msgid -> Effect(infno, psn_no, target, reversible, status)`` for every state-changing
  transaction that succeeded; 2601 undoes 2207, 2208, 2304, 2305, 2401 (hsa.md §5.2) and refuses the rest.
* files (9101/9102 and the 3202 result files), 慢特病备案 (2503), 目录对照 (3301), 结算清单 (4101/4101A).

Money model (deterministic, all amounts rounded half-up to 0.01; see README.md for the numbers):

1. Per detail row (2204/2301, answered in ``result[]``): the item is looked up in a small built-in national
   catalogue (:func:`default_items`) or, failing that, in the hospital's 3301 对照 (then 甲类); anything else is
   全自费 (``chrgitm_lv 03``, hsa.md §5.7). ``overlmt_amt = (pric − pric_uplmt) × cnt`` when the item has a
   price ceiling and ``pric`` exceeds it; ``preselfpay_amt = (det − fulamt − overlmt) × selfpay_prop``;
   ``inscp_scp_amt`` is the rest, so the four add up to ``det_item_fee_sumamt``.
2. Per settlement (2206/2207, 2303/2304) over the unsettled details of the batch (outpatient: one
   ``chrg_bchno``; inpatient: the whole stay so far): ``act_pay_dedc`` = what is left of the yearly deductible
   (:class:`Policy` per ``insutype`` and 门诊/住院, minus the deductible already used by live settlements this
   year), ``hifp_pay = (inscp_scp_amt − act_pay_dedc) × ratio``, ``fund_pay_sumamt = hifp_pay`` (other funds
   0), ``psn_part_amt = medfee_sumamt − fund_pay_sumamt``, ``acct_pay = min(balance, psn_part_amt)`` when
   ``acct_used_flag = 1`` else 0, ``psn_cash_pay = psn_part_amt − acct_pay``, ``hosp_part_amt = 0``,
   ``balc`` = balance after. ``setldetail[]`` has the pooled-fund row and, when ``acct_pay > 0``, the account
   row (``310200``). With ``fund_pay_sumamt_includes_acct`` (Guangdong reading) ``acct_pay`` is added to
   ``fund_pay_sumamt`` too.
3. ``clr_optins`` = the person's ``insuplc_admdvs`` (the agency that clears it; differs for 异地),
   ``clr_type`` 11 门诊 / 21 住院, ``clr_way`` = ``psn_setlway``, ``medins_setl_id`` = the request msgid.

Every handler checks everything before it changes anything: a refusal (:class:`Refused`, answered as
``infcode -1``) leaves the state as it was. The app holds ``state.lock`` for the whole request.
"""

from __future__ import annotations

import base64
import binascii
import copy
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from simulators.hsa import settlement_spec as ss
from simulators.hsa import spec

if TYPE_CHECKING:  # pragma: no cover
    from simulators.hsa.state import SimState

ZERO = Decimal(0)
CENT = Decimal("0.01")
DT_FMT = "%Y-%m-%d %H:%M:%S"
MAX_FILE_BYTES = 20 * 1024 * 1024


class Refused(Exception):
    """The platform answers ``infcode -1`` with this ``err_msg``; nothing was changed."""


@dataclass(frozen=True)
class FileDownload:
    """A 9102 hit: the app answers these bytes as ``application/octet-stream``."""

    filename: str
    data: bytes


@dataclass
class Reply:
    output: Any = None  # dict, None (no output) or FileDownload
    warn: str | None = None
    journal: dict[str, Any] = field(default_factory=dict)  # extra keys for the message journal


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value: Any) -> Decimal:
    """A checked N value (or blank) as Decimal."""
    if spec.blank(value):
        return ZERO
    d = spec.to_decimal(value)
    return d if d is not None else ZERO


def num(value: Decimal) -> float:
    """Decimal -> JSON number (no ``-0.0``)."""
    f = float(value)
    return 0.0 if f == 0 else f


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return num(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class Policy:
    """Benefit parameters of one 险种 (made up, documented in README.md)."""

    fund_pay_type: str
    fund_name: str
    otp_deductible: Decimal
    otp_ratio: Decimal
    ipt_deductible: Decimal
    ipt_ratio: Decimal
    acct_fund_pay_type: str | None = None  # the personal-account setldetail row


@dataclass(frozen=True)
class Item:
    """An entry of the simulated national 医保目录."""

    name: str
    chrgitm_lv: str  # 01 甲类, 02 乙类, 03 自费
    med_chrgitm_type: str
    selfpay_prop: Decimal = ZERO
    pric_uplmt: Decimal | None = None


def default_policies() -> dict[str, Policy]:
    d = Decimal
    return {
        "310": Policy("310100", "职工基本医疗保险统筹基金", d("100"), d("0.70"), d("600"), d("0.85"), "310200"),
        "390": Policy("390100", "城乡居民基本医疗保险基金", d("50"), d("0.50"), d("500"), d("0.70")),
    }


#: any other insutype
DEFAULT_POLICY = Policy("999999", "其他基金", Decimal("100"), Decimal("0.70"), Decimal("600"), Decimal("0.85"))


def default_items() -> dict[str, Item]:
    d = Decimal
    return {
        "XJ01CAA040A001010104321": Item("阿莫西林胶囊", "01", "09"),
        "XA10BAA010A001010101234": Item("盐酸二甲双胍片", "02", "09", d("0.10")),
        "ZA04AAA0123010101501234": Item("复方丹参片", "02", "11", d("0.05")),
        "XL01XCX123B002010101234": Item("某靶向抗肿瘤药(目录外)", "03", "09"),
        "001102000010000": Item("普通门诊诊察费", "01", "02", pric_uplmt=d("20")),
        "002201000010000": Item("床位费(普通病房)", "01", "01", pric_uplmt=d("50")),
        "C14020112345678901234": Item("一次性使用输液器", "02", "08", d("0.20"), d("5")),
    }


#: med_chrgitm_type of an item known only through a 3301 对照, by list_type
LIST_TYPE_CHRGITM = {"101": "09", "102": "11", "103": "10", "104": "09", "105": "09", "201": "14", "301": "08"}


# ------------------------------------------------------------------------------------------------ persons


@dataclass
class Insu:
    insutype: str
    psn_type: str
    balc: Decimal
    insuplc_admdvs: str
    psn_insu_stas: str = "1"  # 1 正常参保; 4 暂停 (hsa.md §4.1 [U])
    psn_insu_date: str = "2005-01-01"
    paus_insu_date: str | None = None
    cvlserv_flag: str = "0"
    emp_name: str | None = None

    @property
    def active(self) -> bool:
        return self.psn_insu_stas == "1"


@dataclass
class Person:
    psn_no: str
    psn_name: str
    certno: str
    gend: str
    brdy: str
    insuinfo: list[Insu]
    ec_token: str  # 就诊凭证 01 (医保电子凭证)
    card_no: str  # 就诊凭证 03 (社会保障卡)
    card_sn: str
    psn_cert_type: str = "01"
    naty: str = "01"
    tel: str | None = None
    idetinfo: list[dict[str, Any]] = field(default_factory=list)

    def insu(self, insutype: str) -> Insu | None:
        return next((i for i in self.insuinfo if i.insutype == insutype), None)


def seed_persons() -> dict[str, Person]:
    """张三 (职工, 本地, 账户 1234.56), 李四 (居民, 本地), 王五 (职工, 深圳参保 = 异地), 赵六 (职工, 暂停参保)."""
    d = Decimal
    persons = [
        Person("360100000000000001", "张三", "36010219800101001X", "1", "1980-01-01",
               [Insu("310", "11", d("1234.56"), "360100", emp_name="南昌某科技有限公司")],
               "EC3601000000000000000001", "A36010001", "360100D156000005000000000000A1B2", tel="13800000001"),
        Person("360100000000000002", "李四", "360102199003070022", "2", "1990-03-07",
               [Insu("390", "31", d("0"), "360100", psn_insu_date="2019-01-01")],
               "EC3601000000000000000002", "A36010002", "360100D156000005000000000000A1B3"),
        Person("440300000000000003", "王五", "440301197505050011", "1", "1975-05-05",
               [Insu("310", "11", d("500.00"), "440300", psn_insu_date="2000-07-01", emp_name="深圳某贸易有限公司")],
               "EC4403000000000000000003", "B44030003", "440300D156000005000000000000C3D4"),
        Person("360100000000000004", "赵六", "360103196512120013", "1", "1965-12-12",
               [Insu("310", "11", d("88.00"), "360100", psn_insu_stas="4", psn_insu_date="1995-01-01",
                     paus_insu_date="2025-03-01", emp_name="南昌某机械厂")],
               "EC3601000000000000000004", "A36010004", "360100D156000005000000000000A1B5"),
    ]  # fmt: skip
    return {p.psn_no: p for p in persons}


# ------------------------------------------------------------------------------------------------ records


@dataclass
class Visit:
    mdtrt_id: str
    fixmedins_code: str
    psn_no: str
    insutype: str
    kind: str  # otp | ipt
    ipt_otp_no: str
    begntime: str
    mdtrt_cert_type: str
    mdtrt_cert_no: str
    insuplc_admdvs: str
    msgid: str
    created_at: str
    status: str  # registered | admitted | discharged | cancelled | reversed
    med_type: str | None = None
    endtime: str | None = None
    info: dict[str, Any] = field(default_factory=dict)  # 2201 data / 2401 mdtrtinfo (+ 2403 changes)
    mdtrtinfo: dict[str, Any] | None = None  # 2203
    dscginfo: dict[str, Any] | None = None  # 2402
    diseinfo: list[dict[str, Any]] = field(default_factory=list)  # with inout_diag_type, diag_info_id

    @property
    def gone(self) -> bool:
        return self.status in ("cancelled", "reversed")


@dataclass
class Detail:
    mdtrt_id: str
    feedetl_sn: str
    infno: str
    row: dict[str, Any]
    split: dict[str, Any]  # the 2204/2301 result row (Decimals)
    chrg_bchno: str | None
    msgid: str
    uploaded_at: str
    setl_id: str | None = None

    @property
    def det(self) -> Decimal:
        return dec(self.row["det_item_fee_sumamt"])


@dataclass
class Settlement:
    setl_id: str
    fixmedins_code: str
    fixmedins_name: str
    mdtrt_id: str
    psn_no: str
    infno: str  # 2207 | 2304 | 2208 | 2305
    clr_type: str  # 11 | 21
    clr_optins: str
    insutype: str
    med_type: str
    msgid: str
    setl_time: str
    setlinfo: dict[str, Any]  # Decimals for amounts
    setldetail: list[dict[str, Any]]
    detail_sns: list[str]
    opter: str
    opter_name: str
    chrg_bchno: str | None = None
    mid_setl_flag: str | None = None
    invono: str | None = None
    status: str = "live"  # live | cancelled | reversed
    cancel_of: str | None = None
    cancelled_by: str | None = None

    @property
    def refund(self) -> bool:
        return self.cancel_of is not None

    def amount(self, name: str) -> Decimal:
        value = self.setlinfo.get(name)
        return value if isinstance(value, Decimal) else ZERO


@dataclass
class Effect:
    msgid: str
    infno: str
    psn_no: str | None
    fixmedins_code: str
    at: str
    reversible: bool
    target: dict[str, Any]
    status: str = "done"  # done | reversed
    reversed_by: str | None = None
    reversed_at: str | None = None


@dataclass
class StoredFile:
    file_qury_no: str
    filename: str
    fixmedins_code: str
    data: bytes
    uploaded_at: str
    dld_endtime: str
    source: str  # 9101 | 3202


@dataclass
class Filing:
    trt_dcla_detl_sn: str
    fixmedins_code: str
    psn_no: str
    data: dict[str, Any]
    msgid: str
    status: str = "active"  # active | revoked
    memo: str | None = None


@dataclass
class Match:
    fixmedins_code: str
    fixmedins_hilist_id: str
    list_type: str
    med_list_codg: str
    data: dict[str, Any]
    msgid: str
    status: str = "active"  # active | revoked


@dataclass
class SetlList:
    setl_list_id: str
    setl_id: str
    psn_no: str
    fixmedins_code: str
    infno: str
    nodes: dict[str, Any]
    msgid: str
    uploaded_at: str
    stas_type: str | None = None


# ------------------------------------------------------------------------------------------------ the store


@dataclass
class SettlementStore:
    """Configuration and memory of the settlement side. Guarded by the owning ``SimState.lock``."""

    policies: dict[str, Policy] = field(default_factory=default_policies)
    items: dict[str, Item] = field(default_factory=default_items)
    require_catalog_match: bool = False  # True: even catalogue items are 全自费 without a 3301 对照
    reversal_same_day: bool = True  # 2601 only for transactions of the same day (hsa.md §5.2 [U])
    fund_pay_sumamt_includes_acct: bool = False  # Hunan reading (False) vs Guangdong (True), hsa.md §4.2
    check_insuplc: bool = True  # envelope insuplc_admdvs must be one of the person's 参保地
    file_ttl_s: float = 24 * 3600.0  # 9101/3202 files: dld_endtime = upload time + this
    persons: dict[str, Person] = field(default_factory=seed_persons)

    visits: dict[str, Visit] = field(default_factory=dict, repr=False)
    details: dict[str, dict[str, Detail]] = field(default_factory=dict, repr=False)
    settlements: dict[str, Settlement] = field(default_factory=dict, repr=False)
    effects: dict[str, Effect] = field(default_factory=dict, repr=False)
    files: dict[str, StoredFile] = field(default_factory=dict, repr=False)
    filings: dict[str, Filing] = field(default_factory=dict, repr=False)
    matches: dict[tuple[str, str, str], Match] = field(default_factory=dict, repr=False)
    setl_lists: dict[str, SetlList] = field(default_factory=dict, repr=False)
    _seq: int = field(default=0, repr=False)

    def reset(self) -> None:
        """Forget every visit, detail, settlement, journal entry, file, filing, match and list; keep persons."""
        for store in (self.visits, self.details, self.settlements, self.effects, self.files, self.filings,
                      self.matches, self.setl_lists):  # fmt: skip
            store.clear()

    def add_person(self, person: Person) -> None:
        self.persons[person.psn_no] = person

    def seq(self) -> int:
        self._seq += 1
        return self._seq

    def add_settlement(self, *, setl_id: str, mdtrt_id: str, psn_no: str, setl_time: str, medfee_sumamt: Any,
                       fund_pay_sumamt: Any, acct_pay: Any, fixmedins_code: str = "H36010000001",
                       clr_type: str = "11", clr_optins: str = "360100", insutype: str = "310",
                       med_type: str = "11", msgid: str = "", cancel_of: str | None = None) -> Settlement:
        """A settlement the platform holds as if 2207/2304 (or, with ``cancel_of``, 2208/2305) had made it: for
        tests, the demo and benchmarks that need the platform's side of a day without running each visit.
        ``setl_time`` is ``yyyy-MM-dd HH:mm:ss``; amounts are what the platform recorded (a cancellation's are
        negative). The visit itself is not created."""
        medfee, fund, acct = (q2(Decimal(str(v))) for v in (medfee_sumamt, fund_pay_sumamt, acct_pay))
        cash = medfee - fund - acct
        setlinfo = {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "insutype": insutype,
                    "clr_type": clr_type, "clr_optins": clr_optins, "med_type": med_type, "setl_time": setl_time,
                    "medfee_sumamt": medfee, "fund_pay_sumamt": fund, "hifp_pay": fund, "acct_pay": acct,
                    "psn_part_amt": medfee - fund, "psn_cash_pay": cash}  # fmt: skip
        infno = ("2305" if clr_type == "21" else "2208") if cancel_of else ("2304" if clr_type == "21" else "2207")
        settlement = Settlement(setl_id, fixmedins_code, "", mdtrt_id, psn_no, infno, clr_type, clr_optins, insutype,
                                med_type, msgid or f"seed{setl_id}"[:30], setl_time, setlinfo, [], [], "seed",
                                "seed", cancel_of=cancel_of)  # fmt: skip
        if cancel_of and cancel_of in self.settlements:
            original = self.settlements[cancel_of]
            original.status, original.cancelled_by = "cancelled", setl_id
        self.settlements[setl_id] = settlement
        return settlement

    def policy(self, insutype: str) -> Policy:
        return self.policies.get(insutype, DEFAULT_POLICY)

    # -------------------------------------------------------------------------------------------- derived

    def live_originals(self, psn_no: str, insutype: str) -> list[Settlement]:
        return [
            s for s in self.settlements.values()
            if s.psn_no == psn_no and s.insutype == insutype and s.status == "live" and not s.refund
        ]  # fmt: skip

    def balance(self, person: Person, insu: Insu) -> Decimal:
        used = sum((s.amount("acct_pay") for s in self.live_originals(person.psn_no, insu.insutype)), ZERO)
        return insu.balc - used

    def deductible_used(self, psn_no: str, insutype: str, clr_type: str, year: str) -> Decimal:
        return sum(
            (s.amount("act_pay_dedc") for s in self.live_originals(psn_no, insutype)
             if s.clr_type == clr_type and s.setl_time[:4] == year),
            ZERO,
        )  # fmt: skip

    def visit_details(self, mdtrt_id: str) -> dict[str, Detail]:
        return self.details.setdefault(mdtrt_id, {})

    def visit_settlements(self, mdtrt_id: str, *, live_only: bool = True) -> list[Settlement]:
        return [
            s for s in self.settlements.values()
            if s.mdtrt_id == mdtrt_id and not s.refund and (s.status == "live" or not live_only)
        ]  # fmt: skip

    def final_settlement(self, mdtrt_id: str) -> Settlement | None:
        return next((s for s in self.visit_settlements(mdtrt_id) if s.mid_setl_flag == "0"), None)

    def match_for(self, fixmedins_code: str, med_list_codg: str, medins_list_codg: str) -> Match | None:
        return next(
            (m for m in self.matches.values()
             if m.status == "active" and m.fixmedins_code == fixmedins_code and m.med_list_codg == med_list_codg
             and m.fixmedins_hilist_id == medins_list_codg),
            None,
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- admin

    def summary(self) -> dict[str, Any]:
        def count(values: Iterable[str]) -> dict[str, int]:
            out: dict[str, int] = {}
            for v in values:
                out[v] = out.get(v, 0) + 1
            return out

        return {
            "persons": len(self.persons),
            "visits": count(f"{v.kind}:{v.status}" for v in self.visits.values()),
            "details": sum(len(d) for d in self.details.values()),
            "unsettled_details": sum(1 for ds in self.details.values() for d in ds.values() if d.setl_id is None),
            "settlements": count(f"{s.infno}:{s.status}" for s in self.settlements.values()),
            "reversal_journal": count(f"{e.infno}:{e.status}" for e in self.effects.values()),
            "files": len(self.files),
            "filings": count(f.status for f in self.filings.values()),
            "catalog_matches": count(m.status for m in self.matches.values()),
            "setl_lists": len(self.setl_lists),
        }

    def to_json(self) -> dict[str, Any]:
        persons = []
        for p in self.persons.values():
            pj = asdict(p)
            for row, insu in zip(pj["insuinfo"], p.insuinfo, strict=True):
                row["balc_now"] = self.balance(p, insu)
            persons.append(pj)
        return jsonable(
            {
                "persons": persons,
                "visits": [asdict(v) for v in self.visits.values()],
                "details": [asdict(d) for ds in self.details.values() for d in ds.values()],
                "settlements": [asdict(s) for s in self.settlements.values()],
                "reversal_journal": {m: asdict(e) for m, e in self.effects.items()},
                "files": [
                    {k: v for k, v in asdict(f).items() if k != "data"} | {"size": len(f.data)}
                    for f in self.files.values()
                ],
                "filings": [asdict(f) for f in self.filings.values()],
                "catalog_matches": [asdict(m) for m in self.matches.values()],
                "setl_lists": [asdict(s) for s in self.setl_lists.values()],
            }
        )


# ------------------------------------------------------------------------------------------------ request context


@dataclass
class Ctx:
    state: SimState
    env: dict[str, Any]
    msgid: str
    now: datetime

    @property
    def store(self) -> SettlementStore:
        return self.state.settlement

    @property
    def code(self) -> str:
        return str(self.env["fixmedins_code"])

    @property
    def ts(self) -> str:
        return self.now.strftime(DT_FMT)

    def new_id(self) -> str:
        return self.state.next_id()

    def effect(self, infno: str, psn_no: str | None, *, reversible: bool = False, **target: Any) -> None:
        self.store.effects[self.msgid] = Effect(
            self.msgid, infno, psn_no, self.code, self.ts, reversible and infno in ss.REVERSIBLE, target
        )


Rows = list[tuple[str, dict[str, Any]]]


def _read_node(node: ss.Node, inp: Mapping[str, Any], state: SimState) -> Any:
    """The checked node: a dict (``obj``; ``None`` when optional and absent) or ``[(path, row), …]``."""
    value = inp.get(node.name)
    req25 = state.require_2025_fields
    if spec.blank(value) or value == []:  # an empty object is present: its fields are checked (and named)
        if node.req:
            raise Refused(f"[{node.name}]不能为空")
        return None if node.shape == "obj" else []
    if node.shape == "obj" or (node.shape == "obj_or_list" and isinstance(value, dict)):
        if not isinstance(value, dict):
            raise Refused(f"[{node.name}]类型错误，应为JSON对象")
        problem = spec.check_fields(node.fields, value, node.name, require_2025=req25)
        if problem:
            raise Refused(problem)
        return value if node.shape == "obj" else [(node.name, value)]
    if not isinstance(value, list):
        raise Refused(f"[{node.name}]类型错误，应为数组")
    if len(value) > state.max_batch_rows:
        raise Refused(f"[{node.name}]条数超过上限: {len(value)}条，最多{state.max_batch_rows}条")
    rows: Rows = []
    for i, row in enumerate(value):
        path = f"{node.name}[{i}]"
        if not isinstance(row, dict):
            raise Refused(f"[{path}]类型错误，应为JSON对象")
        problem = spec.check_fields(node.fields, row, path, require_2025=req25)
        if problem:
            raise Refused(problem)
        rows.append((path, row))
    return rows


def _psn_nos(value: Any, depth: int = 0) -> set[str]:
    out: set[str] = set()
    if depth > 3:
        return out
    if isinstance(value, dict):
        p = value.get("psn_no")
        if isinstance(p, str) and p.strip():
            out.add(p)
        for v in value.values():
            if isinstance(v, dict | list):
                out |= _psn_nos(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            out |= _psn_nos(v, depth + 1)
    return out


def _check_insuplc(ctx: Ctx, inp: Mapping[str, Any]) -> None:
    """hsa.md §2.1 / §7.2: ``insuplc_admdvs`` is required when the input names a person, and routes 异地."""
    psn_nos = _psn_nos(dict(inp))
    if not psn_nos:
        return
    insuplc = ctx.env.get("insuplc_admdvs")
    if spec.blank(insuplc):
        raise Refused("[insuplc_admdvs]不能为空(交易输入含人员编号psn_no时必填，取1101返回的insuinfo.insuplc_admdvs)")
    if not ctx.store.check_insuplc:
        return
    for psn_no in sorted(psn_nos):
        person = ctx.store.persons.get(psn_no)
        if person is None:
            continue
        places = sorted({i.insuplc_admdvs for i in person.insuinfo})
        if insuplc not in places:
            raise Refused(f"[insuplc_admdvs]参保地医保区划[{insuplc}]与人员[{psn_no}]的参保地{places}不一致")


def handle(state: SimState, txn: spec.Txn, env: dict[str, Any], msgid: str) -> Reply:
    """Answer one settlement transaction (the envelope, sign-in and msgid were checked by the app)."""
    stxn: ss.STxn = txn.extra["stxn"]
    inp = env["input"]
    if stxn.infno == "9101":
        _bytes_to_base64(inp)
    nodes = {node.name: _read_node(node, inp, state) for node in stxn.nodes}
    ctx = Ctx(state, env, msgid, state.now())
    if stxn.person:
        _check_insuplc(ctx, inp)
    return HANDLERS[stxn.infno](ctx, nodes)


# ------------------------------------------------------------------------------------------------ lookups


def _person(ctx: Ctx, psn_no: str, path: str = "data.psn_no") -> Person:
    person = ctx.store.persons.get(psn_no)
    if person is None:
        raise Refused(f"[{path}]人员编号[{psn_no}]不存在")
    return person


def _insu(person: Person, insutype: str, *, active: bool = False, path: str = "data.insutype") -> Insu:
    insu = person.insu(insutype)
    if insu is None:
        raise Refused(f"[{path}]人员[{person.psn_no}]未参加险种[{insutype}]")
    if active and not insu.active:
        since = f"，暂停参保日期{insu.paus_insu_date}" if insu.paus_insu_date else ""
        raise Refused(f"人员[{person.psn_no}]参保状态异常(psn_insu_stas={insu.psn_insu_stas}{since})，不能享受医保待遇")
    return insu


def _check_cert(person: Person, cert_type: str, cert_no: str, path: str) -> None:
    expected = {"01": person.ec_token, "02": person.certno, "03": person.card_no}.get(cert_type)
    if cert_no != expected:
        raise Refused(f"[{path}.mdtrt_cert_no]就诊凭证[{cert_type}:{cert_no}]与人员[{person.psn_no}]不匹配")


def _visit(ctx: Ctx, mdtrt_id: str, psn_no: str, kind: str | None, path: str) -> Visit:
    visit = ctx.store.visits.get(mdtrt_id)
    if visit is None or visit.fixmedins_code != ctx.code or visit.status == "reversed":
        raise Refused(f"[{path}.mdtrt_id]就诊ID[{mdtrt_id}]不存在")
    if visit.psn_no != psn_no:
        raise Refused(f"[{path}.psn_no]人员编号[{psn_no}]与就诊ID[{mdtrt_id}]的人员不一致")
    if kind is not None and visit.kind != kind:
        raise Refused(f"[{path}.mdtrt_id]就诊ID[{mdtrt_id}]不是{'门诊' if kind == 'otp' else '住院'}就诊")
    if visit.status == "cancelled":
        raise Refused(f"[{path}.mdtrt_id]就诊ID[{mdtrt_id}]已撤销")
    return visit


def _check_dates(begin: str | None, end: str | None, path_end: str, what: str) -> None:
    if begin and end and end < begin:
        raise Refused(f"[{path_end}]{what}[{end}]早于开始[{begin}]")


def _age(brdy: str, today: date) -> Decimal:
    born = date.fromisoformat(brdy)
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return Decimal(years).quantize(Decimal("0.1"))


def _diag_rows(ctx: Ctx, visit: Visit, rows: Rows, inout: str | None) -> list[dict[str, Any]]:
    out = []
    for _, row in rows:
        r = copy.deepcopy(row)
        r.update(diag_info_id=ctx.new_id(), mdtrt_id=visit.mdtrt_id, psn_no=visit.psn_no, inout_diag_type=inout,
                 opter_id=ctx.env["opter"], opter_name=ctx.env["opter_name"], opt_time=ctx.ts)  # fmt: skip
        out.append(r)
    return out


# ------------------------------------------------------------------------------------------------ 1101 / 2001


def _h1101(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    cert_type, cert_no = d["mdtrt_cert_type"], d["mdtrt_cert_no"]
    if cert_type == "03" and spec.blank(d.get("card_sn")):
        raise Refused("[data.card_sn]不能为空(mdtrt_cert_type=03社会保障卡时必填)")
    attr = {"01": "ec_token", "02": "certno", "03": "card_no"}[cert_type]
    person = next((p for p in ctx.store.persons.values() if getattr(p, attr) == cert_no), None)
    if person is None:
        raise Refused(f"未查询到人员信息(就诊凭证类型{cert_type}，就诊凭证编号{cert_no})")
    if cert_type == "03" and d["card_sn"] != person.card_sn:
        raise Refused("[data.card_sn]卡识别码与社会保障卡不匹配")
    if d["psn_cert_type"] != person.psn_cert_type:
        raise Refused(f"[data.psn_cert_type]人员证件类型[{d['psn_cert_type']}]与人员信息不一致")
    if not spec.blank(d.get("certno")) and d["certno"] != person.certno:
        raise Refused("[data.certno]证件号码与就诊凭证不一致")
    if not spec.blank(d.get("psn_name")) and d["psn_name"] != person.psn_name:
        raise Refused("[data.psn_name]人员姓名与就诊凭证不一致")
    baseinfo = {
        "psn_no": person.psn_no, "psn_cert_type": person.psn_cert_type, "certno": person.certno,
        "psn_name": person.psn_name, "gend": person.gend, "naty": person.naty, "brdy": person.brdy,
        "age": _age(person.brdy, ctx.now.date()), "exp_content": None,
    }  # fmt: skip
    insuinfo = [
        {"balc": ctx.store.balance(person, i), "insutype": i.insutype, "psn_type": i.psn_type,
         "psn_insu_stas": i.psn_insu_stas, "psn_insu_date": i.psn_insu_date, "paus_insu_date": i.paus_insu_date,
         "cvlserv_flag": i.cvlserv_flag, "insuplc_admdvs": i.insuplc_admdvs, "emp_name": i.emp_name}
        for i in person.insuinfo
    ]  # fmt: skip
    output = {"baseinfo": baseinfo, "insuinfo": insuinfo, "idetinfo": copy.deepcopy(person.idetinfo)}
    return Reply(jsonable(output), journal={"psn_no": person.psn_no})


def _h2001(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    person = _person(ctx, d["psn_no"])
    insu = _insu(person, d["insutype"])
    if d["fixmedins_code"] != ctx.code:
        raise Refused(f"[data.fixmedins_code]定点医药机构编号[{d['fixmedins_code']}]与报文头不一致")
    if d["med_type"] == "28" and spec.blank(d.get("oprn_oprt_code")):
        raise Refused("[data.oprn_oprt_code]不能为空(日间手术病种时必填)")
    _check_dates(d["begntime"], d.get("endtime"), "data.endtime", "结束时间")
    policy = ctx.store.policy(insu.insutype)
    ok = insu.active
    reason = "" if ok else f"人员参保状态为暂停参保(暂停参保日期{insu.paus_insu_date})，不享受基金待遇"
    rows = [(policy.fund_pay_type, policy.fund_name)]
    if policy.acct_fund_pay_type:
        rows.append((policy.acct_fund_pay_type, "个人账户基金"))
    trtinfo = [
        {"psn_no": person.psn_no, "trt_chk_type": "1", "fund_pay_type": fpt, "trt_enjymnt_flag": "1" if ok else "0",
         "begndate": insu.psn_insu_date, "enddate": insu.paus_insu_date, "trt_chk_rslt": reason,
         "fund_pay_type_name": name}
        for fpt, name in rows
    ]  # fmt: skip
    return Reply({"trtinfo": trtinfo}, journal={"psn_no": person.psn_no})


# ------------------------------------------------------------------------------------------------ money model


def _split(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    """The 明细分割 of one detail row (hsa.md §4.2 2204 output, §7.5)."""
    det, cnt, pric = dec(row["det_item_fee_sumamt"]), dec(row["cnt"]), dec(row["pric"])
    code = row["med_list_codg"]
    store = ctx.store
    item = store.items.get(code)
    match = store.match_for(ctx.code, code, row["medins_list_codg"])
    memo = None
    if item is not None and store.require_catalog_match and match is None:
        item = None
    if item is None and match is not None:
        item = Item(match.data.get("fixmedins_hilist_name", ""), "01", LIST_TYPE_CHRGITM.get(match.list_type, "14"))
    if item is None:
        item = Item("", "03", "14")
        memo = f"医疗目录编码[{code}]未对照，按全自费处理"
    fulamt = overlmt = pre = ZERO
    if item.chrgitm_lv == "03":
        fulamt = det
    else:
        if item.pric_uplmt is not None and pric > item.pric_uplmt:
            overlmt = q2((pric - item.pric_uplmt) * cnt)
        pre = q2((det - overlmt) * item.selfpay_prop)
    inscp = det - fulamt - overlmt - pre
    return {
        "feedetl_sn": row["feedetl_sn"], "det_item_fee_sumamt": det, "cnt": cnt, "pric": pric,
        "pric_uplmt_amt": item.pric_uplmt if item.pric_uplmt is not None else pric,
        "selfpay_prop": item.selfpay_prop if item.chrgitm_lv != "03" else Decimal(1),
        "fulamt_ownpay_amt": fulamt, "overlmt_amt": overlmt, "preselfpay_amt": pre, "inscp_scp_amt": inscp,
        "chrgitm_lv": item.chrgitm_lv, "med_chrgitm_type": item.med_chrgitm_type, "bas_medn_flag": "0",
        "hi_nego_drug_flag": "0", "chld_medc_flag": "0", "list_sp_item_flag": "0", "lmt_used_flag": "0",
        "drt_reim_flag": "0", "memo": memo,
    }  # fmt: skip


def _check_det_amount(row: dict[str, Any], path: str) -> None:
    det, expected = dec(row["det_item_fee_sumamt"]), q2(dec(row["cnt"]) * dec(row["pric"]))
    if abs(det - expected) > CENT:
        raise Refused(f"[{path}.det_item_fee_sumamt]明细项目费用总额[{det}]与数量×单价[{expected}]不符")


def _check_sum(d: dict[str, Any], details: list[Detail]) -> Decimal:
    total = sum((x.det for x in details), ZERO)
    given = dec(d["medfee_sumamt"])
    if q2(given) != q2(total):
        raise Refused(f"[data.medfee_sumamt]医疗费总额[{q2(given)}]与待结算费用明细总额[{q2(total)}]不一致")
    return total


def _compute(
    ctx: Ctx, visit: Visit, person: Person, insu: Insu, details: list[Detail], d: dict[str, Any], clr_type: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """setlinfo (Decimals, setl_id/setl_time unset), setldetail, and warnings about the HIS's split amounts."""
    store = ctx.store
    policy = store.policy(insu.insutype)
    medfee = sum((x.det for x in details), ZERO)
    sums = {k: sum((x.split[k] for x in details), ZERO)
            for k in ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")}  # fmt: skip
    inscp = sums["inscp_scp_amt"]
    inpatient = clr_type == "21"
    dedc_std = policy.ipt_deductible if inpatient else policy.otp_deductible
    ratio = policy.ipt_ratio if inpatient else policy.otp_ratio
    used = store.deductible_used(person.psn_no, insu.insutype, clr_type, str(ctx.now.year))
    act_pay_dedc = min(max(dedc_std - used, ZERO), max(inscp, ZERO))
    hifp = q2(max(inscp - act_pay_dedc, ZERO) * ratio)
    psn_part = medfee - hifp
    balance = store.balance(person, insu)
    acct = min(max(balance, ZERO), max(psn_part, ZERO)) if d["acct_used_flag"] == "1" else ZERO
    cash = psn_part - acct
    fund_sum = hifp + (acct if store.fund_pay_sumamt_includes_acct else ZERO)
    setlinfo: dict[str, Any] = {
        "mdtrt_id": visit.mdtrt_id, "setl_id": None, "psn_no": person.psn_no, "psn_name": person.psn_name,
        "psn_cert_type": person.psn_cert_type, "certno": person.certno, "gend": person.gend, "naty": person.naty,
        "brdy": person.brdy, "age": _age(person.brdy, ctx.now.date()), "insutype": insu.insutype,
        "psn_type": insu.psn_type, "cvlserv_flag": insu.cvlserv_flag, "setl_time": None,
        "mdtrt_cert_type": d["mdtrt_cert_type"], "med_type": visit.med_type, "medfee_sumamt": medfee,
        "fulamt_ownpay_amt": sums["fulamt_ownpay_amt"], "overlmt_selfpay": sums["overlmt_amt"],
        "preselfpay_amt": sums["preselfpay_amt"], "inscp_scp_amt": inscp, "act_pay_dedc": act_pay_dedc,
        "hifp_pay": hifp, "pool_prop_selfpay": ratio, "cvlserv_pay": ZERO, "hifes_pay": ZERO, "hifmi_pay": ZERO,
        "hifob_pay": ZERO, "maf_pay": ZERO, "oth_pay": ZERO, "fund_pay_sumamt": fund_sum, "psn_part_amt": psn_part,
        "acct_pay": acct, "psn_cash_pay": cash, "hosp_part_amt": ZERO, "balc": balance - acct,
        "acct_mulaid_pay": ZERO, "medins_setl_id": ctx.msgid, "clr_optins": insu.insuplc_admdvs,
        "clr_way": d["psn_setlway"], "clr_type": clr_type,
    }  # fmt: skip
    proc = f"起付标准{q2(dedc_std)}，本年已付起付线{q2(used)}，本次起付线{q2(act_pay_dedc)}，统筹支付比例{ratio}"
    setldetail = [
        {"fund_pay_type": policy.fund_pay_type, "inscp_scp_amt": inscp, "crt_payb_lmt_amt": hifp,
         "fund_payamt": hifp, "fund_pay_type_name": policy.fund_name, "setl_proc_info": proc},
    ]  # fmt: skip
    if acct > 0:
        setldetail.append(
            {"fund_pay_type": policy.acct_fund_pay_type or "310200", "inscp_scp_amt": inscp,
             "crt_payb_lmt_amt": acct, "fund_payamt": acct, "fund_pay_type_name": "个人账户基金",
             "setl_proc_info": f"个人账户支付{acct}，余额{balance - acct}"}
        )  # fmt: skip
    warnings = []
    for name in ss.SPLIT_AMOUNTS:
        if spec.blank(d.get(name)):
            continue
        ours = setlinfo[name]
        if q2(dec(d[name])) != q2(ours):
            warnings.append(f"[data.{name}]{q2(dec(d[name]))}与中心明细汇总[{q2(ours)}]不一致，以中心为准")
    return setlinfo, setldetail, warnings


def _settle(
    ctx: Ctx, infno: str, visit: Visit, details: list[Detail], d: dict[str, Any], clr_type: str
) -> tuple[Settlement, list[str]]:
    person = _person(ctx, visit.psn_no)
    insu = _insu(person, visit.insutype, active=True)
    setlinfo, setldetail, warnings = _compute(ctx, visit, person, insu, details, d, clr_type)
    s = Settlement(
        setl_id=ctx.new_id(), fixmedins_code=ctx.code, fixmedins_name=ctx.env["fixmedins_name"],
        mdtrt_id=visit.mdtrt_id, psn_no=visit.psn_no, infno=infno, clr_type=clr_type,
        clr_optins=insu.insuplc_admdvs, insutype=insu.insutype, med_type=visit.med_type or "", msgid=ctx.msgid,
        setl_time=ctx.ts, setlinfo=setlinfo, setldetail=setldetail, detail_sns=[x.feedetl_sn for x in details],
        opter=ctx.env["opter"], opter_name=ctx.env["opter_name"], chrg_bchno=d.get("chrg_bchno"),
        mid_setl_flag=d.get("mid_setl_flag"), invono=d.get("invono"),
    )  # fmt: skip
    s.setlinfo["setl_id"], s.setlinfo["setl_time"] = s.setl_id, s.setl_time
    return s, warnings


def _settle_output(s: Settlement, *, preview: bool = False) -> dict[str, Any]:
    setlinfo = dict(s.setlinfo)
    if preview:  # 2206/2303: "setl_id/setl_time/clr_* may be null"
        setlinfo.update(setl_id=None, setl_time=None, clr_optins=None, clr_way=None, clr_type=None)
    return jsonable({"setlinfo": setlinfo, "setldetail": s.setldetail})


def _cancel(ctx: Ctx, infno: str, d: dict[str, Any], orig_infno: str) -> Reply:
    """2208 / 2305: a negative twin with a new setl_id; the original is cancelled and frees its details."""
    store = ctx.store
    setl_id = d["setl_id"]
    s = store.settlements.get(setl_id)
    if s is None or s.fixmedins_code != ctx.code or s.status == "reversed":
        raise Refused(f"[data.setl_id]结算ID[{setl_id}]不存在")
    if s.refund:
        raise Refused(f"[data.setl_id]结算ID[{setl_id}]为结算撤销记录，不能撤销")
    if s.infno != orig_infno:
        raise Refused(f"[data.setl_id]结算ID[{setl_id}]不是{'门诊' if orig_infno == '2207' else '住院'}结算")
    if s.mdtrt_id != d["mdtrt_id"]:
        raise Refused(f"[data.mdtrt_id]就诊ID[{d['mdtrt_id']}]与结算ID[{setl_id}]不匹配")
    if s.psn_no != d["psn_no"]:
        raise Refused(f"[data.psn_no]人员编号[{d['psn_no']}]与结算ID[{setl_id}]不匹配")
    if s.status == "cancelled":
        raise Refused(f"[data.setl_id]结算ID[{setl_id}]已撤销，不能重复撤销")
    person = _person(ctx, s.psn_no)
    insu = _insu(person, s.insutype)
    twin = copy.deepcopy(s)
    twin.setl_id, twin.infno, twin.msgid, twin.setl_time = ctx.new_id(), infno, ctx.msgid, ctx.ts
    twin.cancel_of, twin.status = s.setl_id, "live"
    twin.opter, twin.opter_name = ctx.env["opter"], ctx.env["opter_name"]
    for k, v in list(twin.setlinfo.items()):
        if isinstance(v, Decimal) and k not in ("age", "pool_prop_selfpay", "balc"):
            twin.setlinfo[k] = -v
    for row in twin.setldetail:
        for k in ("inscp_scp_amt", "crt_payb_lmt_amt", "fund_payamt"):
            row[k] = -row[k]
    s.status, s.cancelled_by = "cancelled", twin.setl_id
    for x in store.visit_details(s.mdtrt_id).values():
        if x.setl_id == s.setl_id:
            x.setl_id = None
    twin.setlinfo.update(setl_id=twin.setl_id, setl_time=twin.setl_time, medins_setl_id=ctx.msgid,
                         balc=store.balance(person, insu))  # fmt: skip
    if infno == "2305":
        visit = store.visits[s.mdtrt_id]
        twin.setlinfo.update(begndate=visit.begntime[:10], enddate=(visit.endtime or "")[:10] or None,
                             hifdm_pay=ZERO)  # fmt: skip
    store.settlements[twin.setl_id] = twin
    ctx.effect(infno, s.psn_no, reversible=True, setl_id=twin.setl_id, orig_setl_id=s.setl_id, mdtrt_id=s.mdtrt_id)
    return Reply(_settle_output(twin), journal={"psn_no": s.psn_no, "setl_id": twin.setl_id, "cancel_of": s.setl_id})


# ------------------------------------------------------------------------------------------------ outpatient


def _h2201(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    person = _person(ctx, d["psn_no"])
    insu = _insu(person, d["insutype"], active=True)
    _check_cert(person, d["mdtrt_cert_type"], d["mdtrt_cert_no"], "data")
    for v in ctx.store.visits.values():
        if v.fixmedins_code == ctx.code and v.kind == "otp" and v.status == "registered" and \
                v.ipt_otp_no == d["ipt_otp_no"]:
            raise Refused(f"[data.ipt_otp_no]门诊号[{d['ipt_otp_no']}]已存在有效挂号(mdtrt_id={v.mdtrt_id})")
    visit = Visit(
        mdtrt_id=ctx.new_id(), fixmedins_code=ctx.code, psn_no=person.psn_no, insutype=insu.insutype, kind="otp",
        ipt_otp_no=d["ipt_otp_no"], begntime=d["begntime"], mdtrt_cert_type=d["mdtrt_cert_type"],
        mdtrt_cert_no=d["mdtrt_cert_no"], insuplc_admdvs=insu.insuplc_admdvs, msgid=ctx.msgid, created_at=ctx.ts,
        status="registered", info=copy.deepcopy(d),
    )  # fmt: skip
    ctx.store.visits[visit.mdtrt_id] = visit
    ctx.effect("2201", person.psn_no, mdtrt_id=visit.mdtrt_id)
    out = {"mdtrt_id": visit.mdtrt_id, "psn_no": person.psn_no, "ipt_otp_no": visit.ipt_otp_no}
    return Reply({"data": out}, journal={"psn_no": person.psn_no, "mdtrt_id": visit.mdtrt_id})


def _h2202(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"], "otp", "data")
    if visit.ipt_otp_no != d["ipt_otp_no"]:
        raise Refused(f"[data.ipt_otp_no]门诊号[{d['ipt_otp_no']}]与挂号时[{visit.ipt_otp_no}]不一致")
    if ctx.store.visit_settlements(visit.mdtrt_id):
        raise Refused("该就诊存在有效结算信息，请先撤销结算(2208)")
    if ctx.store.visit_details(visit.mdtrt_id):
        raise Refused("该就诊存在费用明细，请先撤销费用明细(2205)")
    visit.status = "cancelled"
    ctx.effect("2202", visit.psn_no, mdtrt_id=visit.mdtrt_id)
    return Reply(None, journal={"psn_no": visit.psn_no, "mdtrt_id": visit.mdtrt_id})


def _h2203(ctx: Ctx, n: dict[str, Any]) -> Reply:
    m = n["mdtrtinfo"]
    visit = _visit(ctx, m["mdtrt_id"], m["psn_no"], "otp", "mdtrtinfo")
    if ctx.store.visit_settlements(visit.mdtrt_id):
        raise Refused("该就诊已有结算，不能修改就诊信息")
    visit.mdtrtinfo, visit.med_type = copy.deepcopy(m), m["med_type"]
    visit.diseinfo = _diag_rows(ctx, visit, n["diseinfo"], None)
    ctx.effect(ctx.env["infno"], visit.psn_no, mdtrt_id=visit.mdtrt_id)
    return Reply(None, journal={"psn_no": visit.psn_no, "mdtrt_id": visit.mdtrt_id})


def _details_upload(ctx: Ctx, rows: Rows, kind: str) -> Reply:
    """2204 / 2301: every row checked first, then all stored (atomic); ``result[]`` one row per detail."""
    store = ctx.store
    infno = "2204" if kind == "otp" else "2301"
    new: list[Detail] = []
    seen: dict[str, set[str]] = {}
    batch_dise: dict[tuple[str, str], str] = {}
    for path, row in rows:
        visit = _visit(ctx, row["mdtrt_id"], row["psn_no"], kind, path)
        existing = store.visit_details(visit.mdtrt_id)
        sn = row["feedetl_sn"]
        if sn in existing or sn in seen.setdefault(visit.mdtrt_id, set()):
            raise Refused(f"[{path}.feedetl_sn]费用明细流水号[{sn}]已存在")
        seen[visit.mdtrt_id].add(sn)
        _check_det_amount(row, path)
        bchno: str | None = None
        if kind == "otp":
            bchno = row["chrg_bchno"]
            if any(s.chrg_bchno == bchno for s in store.visit_settlements(visit.mdtrt_id)):
                raise Refused(f"[{path}.chrg_bchno]收费批次号[{bchno}]已结算，不能再上传费用明细")
            dise = (row.get("dise_codg") or "").strip()
            key = (visit.mdtrt_id, bchno)
            if key not in batch_dise:
                prior = [x for x in existing.values() if x.chrg_bchno == bchno]
                if prior:
                    batch_dise[key] = (prior[0].row.get("dise_codg") or "").strip()
            if batch_dise.setdefault(key, dise) != dise:
                raise Refused(f"[{path}.dise_codg]同一收费批次号病种编号必须一致(收费批次号{bchno})")
        else:
            if store.final_settlement(visit.mdtrt_id):
                raise Refused(f"[{path}.mdtrt_id]就诊ID[{visit.mdtrt_id}]已结算，不能再上传费用明细")
            if row["med_type"] != visit.med_type:
                raise Refused(f"[{path}.med_type]医疗类别[{row['med_type']}]与入院登记[{visit.med_type}]不一致")
            init = row.get("init_feedetl_sn")
            if dec(row["cnt"]) < 0 and spec.blank(init):
                raise Refused(f"[{path}.init_feedetl_sn]不能为空(退单数量为负数时必填)")
            if not spec.blank(init) and init not in existing and init not in seen[visit.mdtrt_id]:
                raise Refused(f"[{path}.init_feedetl_sn]原费用流水号[{init}]不存在")
        new.append(Detail(visit.mdtrt_id, sn, infno, copy.deepcopy(row), _split(ctx, row), bchno, ctx.msgid, ctx.ts))
    for x in new:
        store.visit_details(x.mdtrt_id)[x.feedetl_sn] = x
    psn = rows[0][1]["psn_no"]
    ctx.effect(infno, psn, details=[(x.mdtrt_id, x.feedetl_sn) for x in new])
    return Reply({"result": jsonable([x.split for x in new])}, journal={"psn_no": psn, "rows_ok": len(new)})


def _h2204(ctx: Ctx, n: dict[str, Any]) -> Reply:
    return _details_upload(ctx, n["feedetail"], "otp")


def _h2205(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"], "otp", "data")
    details = ctx.store.visit_details(visit.mdtrt_id)
    bchno = d["chrg_bchno"]
    if bchno == "0000":
        targets = [x for x in details.values() if x.setl_id is None]
    else:
        batch = [x for x in details.values() if x.chrg_bchno == bchno]
        if not batch:
            raise Refused(f"[data.chrg_bchno]未查询到收费批次号[{bchno}]的费用明细")
        if any(x.setl_id for x in batch):
            raise Refused(f"[data.chrg_bchno]收费批次号[{bchno}]已结算，请先撤销结算(2208)")
        targets = batch
    for x in targets:
        del details[x.feedetl_sn]
    ctx.effect("2205", visit.psn_no, mdtrt_id=visit.mdtrt_id, deleted=[x.feedetl_sn for x in targets])
    warn = None if targets else "无待撤销的费用明细"
    return Reply(None, warn, journal={"psn_no": visit.psn_no, "deleted": len(targets)})


def _otp_settle_inputs(ctx: Ctx, d: dict[str, Any]) -> tuple[Visit, list[Detail]]:
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"], "otp", "data")
    person = _person(ctx, d["psn_no"])
    _insu(person, d["insutype"], active=True)
    if d["insutype"] != visit.insutype:
        raise Refused(f"[data.insutype]险种类型[{d['insutype']}]与挂号时[{visit.insutype}]不一致")
    _check_cert(person, d["mdtrt_cert_type"], d["mdtrt_cert_no"], "data")
    if visit.mdtrtinfo is None:
        raise Refused(f"就诊ID[{visit.mdtrt_id}]未上传就诊信息，请先上传就诊信息(2203)")
    if d["med_type"] != visit.med_type:
        raise Refused(f"[data.med_type]医疗类别[{d['med_type']}]与就诊信息[{visit.med_type}]不一致")
    bchno = d["chrg_bchno"]
    batch = [x for x in ctx.store.visit_details(visit.mdtrt_id).values() if x.chrg_bchno == bchno]
    if any(x.setl_id for x in batch):
        raise Refused(f"[data.chrg_bchno]收费批次号[{bchno}]已结算")
    if not batch:
        raise Refused(f"[data.chrg_bchno]收费批次号[{bchno}]无待结算的费用明细")
    _check_sum(d, batch)
    return visit, batch


def _h2206(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit, batch = _otp_settle_inputs(ctx, d)
    s, warnings = _settle(ctx, "2207", visit, batch, d, "11")
    return Reply(_settle_output(s, preview=True), "；".join(warnings) or None, journal={"psn_no": s.psn_no})


def _h2207(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit, batch = _otp_settle_inputs(ctx, d)
    s, warnings = _settle(ctx, "2207", visit, batch, d, "11")
    ctx.store.settlements[s.setl_id] = s
    for x in batch:
        x.setl_id = s.setl_id
    ctx.effect("2207", s.psn_no, reversible=True, setl_id=s.setl_id, mdtrt_id=s.mdtrt_id)
    return Reply(_settle_output(s), "；".join(warnings) or None, journal={"psn_no": s.psn_no, "setl_id": s.setl_id})


def _h2208(ctx: Ctx, n: dict[str, Any]) -> Reply:
    return _cancel(ctx, "2208", n["data"], "2207")


# ------------------------------------------------------------------------------------------------ inpatient


def _check_diseinfo_psn(rows: Rows, psn_no: str) -> None:
    for path, row in rows:
        if row.get("psn_no") != psn_no:
            raise Refused(f"[{path}.psn_no]人员编号[{row.get('psn_no')}]与就诊人员[{psn_no}]不一致")


def _h2401(ctx: Ctx, n: dict[str, Any]) -> Reply:
    m, rows = n["mdtrtinfo"], n["diseinfo"]
    person = _person(ctx, m["psn_no"], "mdtrtinfo.psn_no")
    insu = _insu(person, m["insutype"], active=True, path="mdtrtinfo.insutype")
    _check_cert(person, m["mdtrt_cert_type"], m["mdtrt_cert_no"], "mdtrtinfo")
    if m["med_type"] == "28" and spec.blank(m.get("oprn_oprt_code")):
        raise Refused("[mdtrtinfo.oprn_oprt_code]不能为空(日间手术病种时必填)")
    _check_diseinfo_psn(rows, person.psn_no)
    for v in ctx.store.visits.values():
        if v.kind != "ipt" or v.gone:
            continue
        if v.fixmedins_code == ctx.code and v.ipt_otp_no == m["ipt_no"]:
            raise Refused(f"[mdtrtinfo.ipt_no]住院号[{m['ipt_no']}]已办理入院(mdtrt_id={v.mdtrt_id})")
        if v.psn_no == person.psn_no and v.status == "admitted":
            raise Refused(f"人员[{person.psn_no}]存在未出院的住院记录(mdtrt_id={v.mdtrt_id})")
    visit = Visit(
        mdtrt_id=ctx.new_id(), fixmedins_code=ctx.code, psn_no=person.psn_no, insutype=insu.insutype, kind="ipt",
        ipt_otp_no=m["ipt_no"], begntime=m["begntime"], mdtrt_cert_type=m["mdtrt_cert_type"],
        mdtrt_cert_no=m["mdtrt_cert_no"], insuplc_admdvs=insu.insuplc_admdvs, msgid=ctx.msgid, created_at=ctx.ts,
        status="admitted", med_type=m["med_type"], info=copy.deepcopy(m),
    )  # fmt: skip
    visit.diseinfo = _diag_rows(ctx, visit, rows, "1")
    ctx.store.visits[visit.mdtrt_id] = visit
    ctx.effect("2401", person.psn_no, reversible=True, mdtrt_id=visit.mdtrt_id)
    return Reply({"result": {"mdtrt_id": visit.mdtrt_id}}, journal={"psn_no": person.psn_no,
                                                                   "mdtrt_id": visit.mdtrt_id})


def _h2402(ctx: Ctx, n: dict[str, Any]) -> Reply:
    m, rows = n["dscginfo"], n["diseinfo"]
    visit = _visit(ctx, m["mdtrt_id"], m["psn_no"], "ipt", "dscginfo")
    if visit.status != "admitted":
        raise Refused(f"[dscginfo.mdtrt_id]就诊ID[{visit.mdtrt_id}]已办理出院")
    if m["insutype"] != visit.insutype:
        raise Refused(f"[dscginfo.insutype]险种类型[{m['insutype']}]与入院时[{visit.insutype}]不一致")
    _check_dates(visit.begntime, m["endtime"], "dscginfo.endtime", "出院时间")
    _check_diseinfo_psn(rows, visit.psn_no)
    visit.status, visit.endtime, visit.dscginfo = "discharged", m["endtime"], copy.deepcopy(m)
    visit.diseinfo = [r for r in visit.diseinfo if r["inout_diag_type"] != "2"] + _diag_rows(ctx, visit, rows, "2")
    ctx.effect("2402", visit.psn_no, mdtrt_id=visit.mdtrt_id)
    return Reply(None, journal={"psn_no": visit.psn_no, "mdtrt_id": visit.mdtrt_id})


def _h2403(ctx: Ctx, n: dict[str, Any]) -> Reply:
    m, rows = n["adminfo"], n["diseinfo"]
    visit = _visit(ctx, m["mdtrt_id"], m["psn_no"], "ipt", "adminfo")
    if ctx.store.final_settlement(visit.mdtrt_id):
        raise Refused(f"[adminfo.mdtrt_id]就诊ID[{visit.mdtrt_id}]已结算，不能变更")
    if m["med_type"] == "28" and spec.blank(m.get("oprn_oprt_code")):
        raise Refused("[adminfo.oprn_oprt_code]不能为空(日间手术病种时必填)")
    _check_dates(m["begntime"], m.get("endtime") or visit.endtime, "adminfo.endtime", "出院时间")
    for path, row in rows:
        if row["mdtrt_id"] != visit.mdtrt_id:
            raise Refused(f"[{path}.mdtrt_id]就诊ID[{row['mdtrt_id']}]与adminfo.mdtrt_id不一致")
    _check_diseinfo_psn(rows, visit.psn_no)
    visit.info.update(copy.deepcopy(m))
    visit.begntime, visit.med_type, visit.ipt_otp_no = m["begntime"], m["med_type"], m["ipt_otp_no"]
    if m.get("endtime") and visit.status == "discharged":
        visit.endtime = m["endtime"]
    if rows:
        visit.diseinfo = _diag_rows(ctx, visit, rows, "1") + [r for r in visit.diseinfo if r["inout_diag_type"] == "2"]
    ctx.effect("2403", visit.psn_no, mdtrt_id=visit.mdtrt_id)
    return Reply(None, journal={"psn_no": visit.psn_no, "mdtrt_id": visit.mdtrt_id})


def _h2404(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"], "ipt", "data")
    if visit.status == "discharged":
        raise Refused(f"就诊ID[{visit.mdtrt_id}]已出院，请先撤销出院(2405)")
    if ctx.store.visit_settlements(visit.mdtrt_id):
        raise Refused(f"就诊ID[{visit.mdtrt_id}]存在有效结算信息，请先撤销结算(2305)")
    if ctx.store.visit_details(visit.mdtrt_id):
        raise Refused(f"就诊ID[{visit.mdtrt_id}]存在费用明细，请先撤销费用明细(2302)")
    visit.status = "cancelled"
    ctx.effect("2404", visit.psn_no, mdtrt_id=visit.mdtrt_id)
    return Reply(None, journal={"psn_no": visit.psn_no, "mdtrt_id": visit.mdtrt_id})


def _h2405(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"], "ipt", "data")
    if visit.status != "discharged":
        raise Refused(f"就诊ID[{visit.mdtrt_id}]未办理出院")
    if ctx.store.final_settlement(visit.mdtrt_id):
        raise Refused(f"就诊ID[{visit.mdtrt_id}]已结算，请先撤销结算(2305)")
    visit.status, visit.endtime, visit.dscginfo = "admitted", None, None
    visit.diseinfo = [r for r in visit.diseinfo if r["inout_diag_type"] != "2"]
    ctx.effect("2405", visit.psn_no, mdtrt_id=visit.mdtrt_id)
    return Reply(None, journal={"psn_no": visit.psn_no, "mdtrt_id": visit.mdtrt_id})


def _h2301(ctx: Ctx, n: dict[str, Any]) -> Reply:
    return _details_upload(ctx, n["feedetail"], "ipt")


def _h2302(ctx: Ctx, n: dict[str, Any]) -> Reply:
    doomed: dict[str, set[str]] = {}
    psn = None
    for path, row in n["data"]:
        visit = _visit(ctx, row["mdtrt_id"], row["psn_no"], "ipt", path)
        psn = visit.psn_no
        details = ctx.store.visit_details(visit.mdtrt_id)
        sn = row["feedetl_sn"]
        if sn == "0000":
            doomed.setdefault(visit.mdtrt_id, set()).update(x.feedetl_sn for x in details.values() if not x.setl_id)
            continue
        detail = details.get(sn)
        if detail is None:
            raise Refused(f"[{path}.feedetl_sn]费用明细流水号[{sn}]不存在")
        if detail.setl_id:
            raise Refused(f"[{path}.feedetl_sn]费用明细[{sn}]已结算，请先撤销结算(2305)")
        doomed.setdefault(visit.mdtrt_id, set()).add(sn)
    deleted = []
    for mdtrt_id, sns in doomed.items():
        for sn in sorted(sns):
            del ctx.store.visit_details(mdtrt_id)[sn]
            deleted.append((mdtrt_id, sn))
    ctx.effect("2302", psn, deleted=deleted)
    return Reply(None, None if deleted else "无待撤销的费用明细", journal={"psn_no": psn, "deleted": len(deleted)})


def _ipt_settle_inputs(ctx: Ctx, d: dict[str, Any]) -> tuple[Visit, list[Detail]]:
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"], "ipt", "data")
    person = _person(ctx, d["psn_no"])
    _insu(person, d["insutype"], active=True)
    if d["insutype"] != visit.insutype:
        raise Refused(f"[data.insutype]险种类型[{d['insutype']}]与入院时[{visit.insutype}]不一致")
    _check_cert(person, d["mdtrt_cert_type"], d["mdtrt_cert_no"], "data")
    if ctx.store.final_settlement(visit.mdtrt_id):
        raise Refused(f"[data.mdtrt_id]就诊ID[{visit.mdtrt_id}]已完成结算")
    unsettled = [x for x in ctx.store.visit_details(visit.mdtrt_id).values() if x.setl_id is None]
    if not unsettled:
        raise Refused(f"[data.mdtrt_id]就诊ID[{visit.mdtrt_id}]无待结算的费用明细")
    _check_sum(d, unsettled)
    return visit, unsettled


def _h2303(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit, details = _ipt_settle_inputs(ctx, d)
    s, warnings = _settle(ctx, "2304", visit, details, d, "21")
    return Reply(_settle_output(s, preview=True), "；".join(warnings) or None, journal={"psn_no": s.psn_no})


def _h2304(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit, details = _ipt_settle_inputs(ctx, d)
    s, warnings = _settle(ctx, "2304", visit, details, d, "21")
    ctx.store.settlements[s.setl_id] = s
    for x in details:
        x.setl_id = s.setl_id
    ctx.effect("2304", s.psn_no, reversible=True, setl_id=s.setl_id, mdtrt_id=s.mdtrt_id)
    return Reply(_settle_output(s), "；".join(warnings) or None, journal={"psn_no": s.psn_no, "setl_id": s.setl_id})


def _h2305(ctx: Ctx, n: dict[str, Any]) -> Reply:
    return _cancel(ctx, "2305", n["data"], "2304")


# ------------------------------------------------------------------------------------------------ 2503 / 2504


def _h2503(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    person = _person(ctx, d["psn_no"])
    insu = _insu(person, d["insutype"], active=True)
    if d["insu_optins"] != insu.insuplc_admdvs:
        raise Refused(f"[data.insu_optins]参保机构医保区划[{d['insu_optins']}]与参保地[{insu.insuplc_admdvs}]不一致")
    _check_dates(d["begndate"], d.get("enddate"), "data.enddate", "结束日期")
    for f in ctx.store.filings.values():
        if f.status == "active" and f.psn_no == person.psn_no and f.data["opsp_dise_code"] == d["opsp_dise_code"]:
            raise Refused(f"人员[{person.psn_no}]已存在病种[{d['opsp_dise_code']}]的有效备案({f.trt_dcla_detl_sn})")
    filing = Filing(ctx.new_id(), ctx.code, person.psn_no, copy.deepcopy(d), ctx.msgid)
    ctx.store.filings[filing.trt_dcla_detl_sn] = filing
    ctx.effect("2503", person.psn_no, trt_dcla_detl_sn=filing.trt_dcla_detl_sn)
    return Reply({"result": {"trt_dcla_detl_sn": filing.trt_dcla_detl_sn}}, journal={"psn_no": person.psn_no})


def _h2504(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    filing = ctx.store.filings.get(d["trt_dcla_detl_sn"])
    if filing is None or filing.psn_no != d["psn_no"]:
        raise Refused(f"[data.trt_dcla_detl_sn]未查询到人员[{d['psn_no']}]的备案[{d['trt_dcla_detl_sn']}]")
    if filing.status != "active":
        raise Refused(f"[data.trt_dcla_detl_sn]备案[{filing.trt_dcla_detl_sn}]已撤销")
    filing.status, filing.memo = "revoked", d["memo"]
    ctx.effect("2504", filing.psn_no, trt_dcla_detl_sn=filing.trt_dcla_detl_sn)
    return Reply(None, journal={"psn_no": filing.psn_no})


# ------------------------------------------------------------------------------------------------ 2601 冲正


def _undo_settlement(ctx: Ctx, e: Effect) -> None:
    s = ctx.store.settlements[e.target["setl_id"]]
    if s.status == "cancelled":
        raise Refused(f"原结算[{s.setl_id}]已撤销({s.cancelled_by})，不能冲正；请先冲正结算撤销交易")
    s.status = "reversed"
    for x in ctx.store.visit_details(s.mdtrt_id).values():
        if x.setl_id == s.setl_id:
            x.setl_id = None


def _undo_cancel(ctx: Ctx, e: Effect) -> None:
    store = ctx.store
    twin, orig = store.settlements[e.target["setl_id"]], store.settlements[e.target["orig_setl_id"]]
    details = store.visit_details(orig.mdtrt_id)
    for sn in orig.detail_sns:
        x = details.get(sn)
        if x is None or x.setl_id is not None:
            raise Refused(f"原结算[{orig.setl_id}]的费用明细[{sn}]已变更，不能冲正")
    if orig.mid_setl_flag == "0" and store.final_settlement(orig.mdtrt_id):
        raise Refused(f"就诊ID[{orig.mdtrt_id}]已重新结算，不能冲正")
    person = _person(ctx, orig.psn_no)
    if store.balance(person, _insu(person, orig.insutype)) < orig.amount("acct_pay"):
        raise Refused("个人账户余额不足，不能冲正")
    twin.status = "reversed"
    orig.status, orig.cancelled_by = "live", None
    for sn in orig.detail_sns:
        details[sn].setl_id = orig.setl_id


def _undo_admission(ctx: Ctx, e: Effect) -> None:
    visit = ctx.store.visits[e.target["mdtrt_id"]]
    if visit.status == "cancelled":
        raise Refused(f"原入院[{visit.mdtrt_id}]已撤销(2404)，无需冲正")
    if visit.status == "discharged":
        raise Refused(f"就诊ID[{visit.mdtrt_id}]已办理出院，不能冲正入院")
    if ctx.store.visit_details(visit.mdtrt_id) or ctx.store.visit_settlements(visit.mdtrt_id):
        raise Refused(f"就诊ID[{visit.mdtrt_id}]存在费用明细或结算信息，不能冲正入院")
    visit.status = "reversed"


UNDO: dict[str, Callable[[Ctx, Effect], None]] = {
    "2207": _undo_settlement, "2304": _undo_settlement, "2208": _undo_cancel, "2305": _undo_cancel,
    "2401": _undo_admission,
}  # fmt: skip


def _h2601(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    omsgid, oinfno = d["omsgid"], d["oinfno"]
    e = ctx.store.effects.get(omsgid)
    if e is None or e.fixmedins_code != ctx.code:
        raise Refused(f"原交易不存在(omsgid={omsgid})")
    if e.infno != oinfno:
        raise Refused(f"[data.oinfno]原交易编号[{oinfno}]与原交易[{e.infno}]不一致")
    if e.psn_no != d["psn_no"]:
        raise Refused(f"[data.psn_no]人员编号[{d['psn_no']}]与原交易不一致")
    if e.status == "reversed":
        raise Refused(f"原交易[{omsgid}]已冲正，不能重复冲正")
    if not e.reversible:
        raise Refused(f"原交易[{e.infno}]不支持冲正，请使用对应的撤销交易")
    if ctx.store.reversal_same_day and e.at[:10] != ctx.ts[:10]:
        raise Refused(f"原交易[{omsgid}]非当日交易({e.at[:10]})，不能冲正")
    UNDO[e.infno](ctx, e)
    e.status, e.reversed_by, e.reversed_at = "reversed", ctx.msgid, ctx.ts
    ctx.effect("2601", d["psn_no"], omsgid=omsgid, oinfno=oinfno)
    return Reply(None, journal={"psn_no": d["psn_no"], "omsgid": omsgid, "oinfno": oinfno})


# ------------------------------------------------------------------------------------------------ reconciliation


def _stmt_records(ctx: Ctx, d: dict[str, Any], clr_type: str | None) -> list[Settlement]:
    begin, end = d["stmt_begndate"], d["stmt_enddate"]
    _check_dates(begin, end, "data.stmt_enddate", "对账结束日期")
    return sorted(
        (s for s in ctx.store.settlements.values()
         if s.fixmedins_code == ctx.code and s.status != "reversed" and s.clr_optins == d["setl_optins"]
         and (clr_type is None or s.clr_type == clr_type) and begin <= s.setl_time[:10] <= end),
        key=lambda s: (s.setl_time, s.setl_id),
    )  # fmt: skip


def _refd_flag(d: dict[str, Any]) -> str:
    flag = d.get("refd_setl_flag")
    if spec.blank(flag):
        return "1"
    if flag not in ("0", "1"):
        raise Refused(f"[data.refd_setl_flag]值[{flag}]不在字典refd_setl_flag范围内(0不含退费结算/1含退费结算)")
    return str(flag)


def _h3201(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    records = [s for s in _stmt_records(ctx, d, d["clr_type"]) if s.insutype == d["insutype"]]
    if _refd_flag(d) == "0":
        records = [s for s in records if not s.refund and s.status == "live"]
    center = {
        "medfee_sumamt": sum((s.amount("medfee_sumamt") for s in records), ZERO),
        "fund_pay_sumamt": sum((s.amount("fund_pay_sumamt") for s in records), ZERO),
        "acct_pay": sum((s.amount("acct_pay") for s in records), ZERO),
        "fixmedins_setl_cnt": Decimal(len(records)),
    }
    labels = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付金额",
              "fixmedins_setl_cnt": "结算笔数"}  # fmt: skip
    diffs = [
        f"{labels[k]}: 医药机构{dec(d[k])}，中心{v}" for k, v in center.items() if q2(dec(d[k])) != q2(v)
    ]
    rslt, dscr = ("0", "平") if not diffs else ("1", "不平：" + "；".join(diffs))
    out = {"stmtinfo": {"setl_optins": d["setl_optins"], "stmt_rslt": rslt, "stmt_rslt_dscr": dscr[:200]}}
    return Reply(out, journal={"stmt_rslt": rslt, "center": jsonable(center)})


def _file_text(data: bytes) -> str:
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [i.filename for i in zf.infolist() if not i.is_dir()]
                if not names:
                    raise Refused("明细对账文件为空(zip中没有文件)")
                name = next((x for x in names if x.lower().endswith(".txt")), names[0])
                data = zf.read(name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise Refused(f"明细对账文件不是有效的zip文件({type(exc).__name__})") from None
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused("明细对账文件编码无法识别(应为UTF-8或GBK)")


def _h3202(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    stored = _stored_file(ctx, d["file_qury_no"], "data.file_qury_no")
    clr_type = None if spec.blank(d.get("clr_type")) else d["clr_type"]
    center = {s.setl_id: s for s in _stmt_records(ctx, d, clr_type)}
    if _refd_flag(d) == "0":
        center = {k: s for k, s in center.items() if not s.refund and s.status == "live"}
    cols = ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag")
    his: list[dict[str, str]] = []
    for no, line in enumerate(_file_text(stored.data).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t") if "\t" in line else line.split()
        parts = [p.strip() for p in parts]
        if len(parts) != len(cols):
            raise Refused(f"明细对账文件第{no}行格式错误: 应为{len(cols)}列({','.join(cols)})，实际{len(parts)}列")
        for k in (3, 4, 5):
            if spec.to_decimal(parts[k]) is None:
                raise Refused(f"明细对账文件第{no}行[{cols[k]}]不是数值: {parts[k]}")
        his.append(dict(zip(cols, parts, strict=True)))
    results = []
    for row in his:
        s = center.get(row["setl_id"])
        if s is None:
            results.append((row["psn_no"], row["mdtrt_id"], row["setl_id"], "", "2", row["refd_setl_flag"],
                            "中心无此结算记录", row["medfee_sumamt"], row["fund_pay_sumamt"], row["acct_pay"]))
            continue
        refd = "1" if s.refund else "0"
        diffs = [f"{k}: 医药机构{row[k]}，中心{q2(s.amount(k))}"
                 for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay") if q2(dec(row[k])) != q2(s.amount(k))]
        diffs += [f"{k}: 医药机构{row[k]}，中心{v}"
                  for k, v in (("mdtrt_id", s.mdtrt_id), ("psn_no", s.psn_no), ("refd_setl_flag", refd))
                  if row[k] != v]  # fmt: skip
        results.append((s.psn_no, s.mdtrt_id, s.setl_id, s.msgid, "1" if diffs else "0", refd, "；".join(diffs),
                        str(q2(s.amount("medfee_sumamt"))), str(q2(s.amount("fund_pay_sumamt"))),
                        str(q2(s.amount("acct_pay")))))  # fmt: skip
    listed = {row["setl_id"] for row in his}
    for s in center.values():
        if s.setl_id not in listed:
            results.append((s.psn_no, s.mdtrt_id, s.setl_id, s.msgid, "3", "1" if s.refund else "0",
                            "医药机构无此结算记录", str(q2(s.amount("medfee_sumamt"))),
                            str(q2(s.amount("fund_pay_sumamt"))), str(q2(s.amount("acct_pay")))))  # fmt: skip
    text = "".join("\t".join(r) + "\n" for r in results)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("stmt_result.txt", text.encode("utf-8"))
    result_file = _store_file(ctx, f"STMT_{d['setl_optins']}_{d['stmt_begndate']}_{d['stmt_enddate']}.zip",
                              buf.getvalue(), "3202")  # fmt: skip
    bad = sum(1 for r in results if r[4] != "0")
    out = {"fileinfo": {"file_qury_no": result_file.file_qury_no, "filename": result_file.filename,
                        "dld_endtime": result_file.dld_endtime}}  # fmt: skip
    return Reply(out, journal={"stmt_rows": len(results), "stmt_rows_not_ok": bad})


# ------------------------------------------------------------------------------------------------ 3301 / 3302


def _h3301(ctx: Ctx, n: dict[str, Any]) -> Reply:
    keys: set[tuple[str, str, str]] = set()
    new = []
    for path, row in n["data"]:
        _check_dates(row["begndate"], row["enddate"], f"{path}.enddate", "结束日期")
        key = (ctx.code, row["fixmedins_hilist_id"], row["list_type"])
        current = ctx.store.matches.get(key)
        if key in keys or (current is not None and current.status == "active"):
            raise Refused(f"[{path}.fixmedins_hilist_id]目录对照已存在(fixmedins_hilist_id={key[1]}，"
                          f"list_type={key[2]})，请先撤销(3302)")  # fmt: skip
        keys.add(key)
        new.append(Match(ctx.code, key[1], key[2], row["med_list_codg"], copy.deepcopy(row), ctx.msgid))
    for m in new:
        ctx.store.matches[(m.fixmedins_code, m.fixmedins_hilist_id, m.list_type)] = m
    ctx.effect("3301", None, matches=[m.fixmedins_hilist_id for m in new])
    return Reply(None, journal={"rows_ok": len(new)})


def _h3302(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    if d["fixmedins_code"] != ctx.code:
        raise Refused(f"[data.fixmedins_code]定点医药机构编号[{d['fixmedins_code']}]与报文头不一致")
    m = ctx.store.matches.get((ctx.code, d["fixmedins_hilist_id"], d["list_type"]))
    if m is None or m.status != "active" or m.med_list_codg != d["med_list_codg"]:
        raise Refused(f"未查询到有效的目录对照信息(fixmedins_hilist_id={d['fixmedins_hilist_id']}，"
                      f"list_type={d['list_type']}，med_list_codg={d['med_list_codg']})")  # fmt: skip
    m.status = "revoked"
    ctx.effect("3302", None, fixmedins_hilist_id=m.fixmedins_hilist_id)
    return Reply(None)


# ------------------------------------------------------------------------------------------------ 4101–4103


def _setl_for_list(ctx: Ctx, setl_id: str, mdtrt_id: str, path: str) -> Settlement:
    s = ctx.store.settlements.get(setl_id)
    if s is None or s.fixmedins_code != ctx.code or s.refund or s.status != "live":
        raise Refused(f"[{path}.setl_id]结算ID[{setl_id}]不存在或已撤销")
    if s.mdtrt_id != mdtrt_id:
        raise Refused(f"[{path}.mdtrt_id]就诊ID[{mdtrt_id}]与结算ID[{setl_id}]不匹配")
    return s


def _h4101(ctx: Ctx, n: dict[str, Any]) -> Reply:
    infno = ctx.env["infno"]
    info = n["setlinfo"]
    s = _setl_for_list(ctx, info["setl_id"], info["mdtrt_id"], "setlinfo")
    if infno == "4101":
        if info["fixmedins_code"] != ctx.code:
            raise Refused(f"[setlinfo.fixmedins_code]定点医药机构编号[{info['fixmedins_code']}]与报文头不一致")
        age = _age(info["brdy"], ctx.now.date())
        if age >= 1 and spec.blank(info.get("age")):
            raise Refused("[setlinfo.age]不能为空(年龄≥1岁时必填)")
        if age < 1 and spec.blank(info.get("nwb_age")):
            raise Refused("[setlinfo.nwb_age]不能为空(不足1周岁时必填)")
    elif info["psn_no"] != s.psn_no:
        raise Refused(f"[setlinfo.psn_no]人员编号[{info['psn_no']}]与结算ID[{s.setl_id}]不匹配")
    if s.setl_id in ctx.store.setl_lists:
        raise Refused(f"[setlinfo.setl_id]结算ID[{s.setl_id}]的结算清单已上传")
    nodes = {k: (copy.deepcopy(v) if isinstance(v, dict) else [copy.deepcopy(r) for _, r in v or []])
             for k, v in n.items()}  # fmt: skip
    lst = SetlList(f"{ctx.store.seq():09d}", s.setl_id, s.psn_no, ctx.code, infno, nodes, ctx.msgid, ctx.ts,
                   info.get("stas_type"))  # fmt: skip
    ctx.store.setl_lists[s.setl_id] = lst
    ctx.effect(infno, s.psn_no, setl_id=s.setl_id, setl_list_id=lst.setl_list_id)
    return Reply({"setl_list_id": lst.setl_list_id}, journal={"psn_no": s.psn_no, "setl_id": s.setl_id})


def _h4102(ctx: Ctx, n: dict[str, Any]) -> Reply:
    rows = n["data"]["stastinfo"]
    targets = []
    for i, row in enumerate(rows):
        lst = ctx.store.setl_lists.get(row["setl_id"])
        if lst is None or lst.fixmedins_code != ctx.code or lst.psn_no != row["psn_no"]:
            raise Refused(f"[data.stastinfo[{i}].setl_id]未查询到结算ID[{row['setl_id']}]的结算清单")
        targets.append((lst, row["stas_type"]))
    for lst, stas in targets:
        lst.stas_type = stas
    ctx.effect("4102", rows[0]["psn_no"], setl_ids=[lst.setl_id for lst, _ in targets])
    return Reply(None, journal={"rows_ok": len(targets)})


def _iteminfo(ctx: Ctx, s: Settlement) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Decimal]] = {}
    for x in ctx.store.visit_details(s.mdtrt_id).values():
        if x.setl_id != s.setl_id:
            continue
        g = groups.setdefault(x.split["med_chrgitm_type"], dict.fromkeys(
            ("amt", "claa_sumfee", "clab_amt", "fulamt_ownpay_amt"), ZERO))
        g["amt"] += x.det
        if x.split["chrgitm_lv"] == "01":
            g["claa_sumfee"] += x.det
        elif x.split["chrgitm_lv"] == "02":
            g["clab_amt"] += x.det
        g["fulamt_ownpay_amt"] += x.split["fulamt_ownpay_amt"]
    return [
        {"med_chrgitm": k, **g, "oth_amt": g["amt"] - g["claa_sumfee"] - g["clab_amt"] - g["fulamt_ownpay_amt"]}
        for k, g in sorted(groups.items())
    ]


def _h4103(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    lst = ctx.store.setl_lists.get(d["setl_id"])
    if lst is None or lst.fixmedins_code != ctx.code or lst.psn_no != d["psn_no"]:
        raise Refused(f"未查询到结算清单信息(psn_no={d['psn_no']}，setl_id={d['setl_id']})")
    s = ctx.store.settlements[lst.setl_id]
    person = _person(ctx, s.psn_no)
    setlinfo = dict(lst.nodes["setlinfo"])
    setlinfo.update(setl_list_sn=lst.setl_list_id, psn_no=s.psn_no, psn_cert_type=person.psn_cert_type,
                    insutype=s.insutype, age_days=None, emp_poscode=None, stas_type=lst.stas_type,
                    medfee_sumamt=s.amount("medfee_sumamt"), fund_pay_sumamt=s.amount("fund_pay_sumamt"),
                    acct_pay=s.amount("acct_pay"), psn_cashpay=s.amount("psn_cash_pay"))  # fmt: skip
    out = {
        "setlinfo": setlinfo,
        "payinfo": [{"fund_pay_type": r["fund_pay_type"], "fund_payamt": r["fund_payamt"]} for r in s.setldetail],
        "iteminfo": _iteminfo(ctx, s),
        **{k: lst.nodes.get(k, []) for k in ("opspdiseinfo", "diseinfo", "oprninfo", "icuinfo", "bldinfo")},
    }
    return Reply(jsonable(out), journal={"psn_no": s.psn_no})


# ------------------------------------------------------------------------------------------------ queries


def _pay_loc(s_or_visit_insuplc: str, mdtrtarea: str) -> str:
    if s_or_visit_insuplc == mdtrtarea:
        return "2"  # 医疗机构 (本地)
    return "3" if s_or_visit_insuplc[:2] == mdtrtarea[:2] else "4"  # 省内异地 / 跨省异地


def _h5201(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    person = _person(ctx, d["psn_no"])
    _check_dates(d["begntime"], d["endtime"], "data.endtime", "结束时间")
    rows = []
    for v in ctx.store.visits.values():
        if v.fixmedins_code != ctx.code or v.psn_no != person.psn_no or v.status == "reversed":
            continue
        if not (d["begntime"] <= v.begntime <= d["endtime"]):
            continue
        if not spec.blank(d.get("med_type")) and v.med_type != d["med_type"]:
            continue
        if not spec.blank(d.get("mdtrt_id")) and v.mdtrt_id != d["mdtrt_id"]:
            continue
        insu = person.insu(v.insutype)
        info, dscg = v.info, v.dscginfo or {}
        rows.append({
            "mdtrt_id": v.mdtrt_id, "psn_no": v.psn_no, "psn_cert_type": person.psn_cert_type,
            "certno": person.certno, "psn_name": person.psn_name, "gend": person.gend, "naty": person.naty,
            "brdy": person.brdy, "age": _age(person.brdy, ctx.now.date()), "coner_name": info.get("coner_name"),
            "tel": info.get("tel") or person.tel, "insutype": v.insutype, "psn_type": insu.psn_type if insu else None,
            "maf_psn_flag": "0", "cvlserv_flag": insu.cvlserv_flag if insu else "0", "flxempe_flag": "0",
            "nwb_flag": "0", "insu_optins": v.insuplc_admdvs, "emp_name": insu.emp_name if insu else None,
            "begntime": v.begntime, "endtime": v.endtime, "mdtrt_cert_type": v.mdtrt_cert_type,
            "med_type": v.med_type, "ars_year_ipt_flag": "0", "pre_pay_flag": "0", "ipt_otp_no": v.ipt_otp_no,
            "medrcdno": info.get("medrcdno"), "atddr_no": info.get("atddr_no"),
            "chfpdr_name": info.get("chfpdr_name") or info.get("dr_name"),
            "adm_dept_codg": info.get("adm_dept_codg") or info.get("dept_code"),
            "adm_dept_name": info.get("adm_dept_name") or info.get("dept_name"), "adm_bed": info.get("adm_bed"),
            "dscg_maindiag_code": info.get("dscg_maindiag_code"), "dscg_maindiag_name": info.get("dscg_maindiag_name"),
            "dscg_dept_codg": dscg.get("dscg_dept_codg"), "dscg_dept_name": dscg.get("dscg_dept_name"),
            "dscg_bed": dscg.get("dscg_bed"), "dscg_way": dscg.get("dscg_way"),
            "main_cond_dscr": (v.mdtrtinfo or info).get("main_cond_dscr"),
            "dise_codg": (v.mdtrtinfo or info).get("dise_codg"), "dise_name": (v.mdtrtinfo or info).get("dise_name"),
            "oprn_oprt_code": info.get("oprn_oprt_code"), "oprn_oprt_name": info.get("oprn_oprt_name"),
            "otp_diag_info": ";".join(r["diag_name"] for r in v.diseinfo) if v.kind == "otp" else None,
            "inhosp_stas": "1" if v.status == "admitted" else "0", "die_date": dscg.get("die_date"),
            "ipt_days": _ipt_days(v, ctx.now), "cop_flag": dscg.get("cop_flag"), "opter_id": ctx.env["opter"],
            "opter_name": ctx.env["opter_name"], "opt_time": v.created_at, "memo": None,
            "vali_flag": "0" if v.gone else "1",
        })  # fmt: skip
    return Reply({"mdtrtinfo": jsonable(rows)}, journal={"psn_no": person.psn_no, "rows": len(rows)})


def _ipt_days(v: Visit, now: datetime) -> int | None:
    if v.kind != "ipt":
        return None
    begin = datetime.strptime(v.begntime, DT_FMT).date()
    end = datetime.strptime(v.endtime, DT_FMT).date() if v.endtime else now.date()
    return max((end - begin).days, 1)


def _h5202(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit = ctx.store.visits.get(d["mdtrt_id"])
    if visit is None or visit.fixmedins_code != ctx.code or visit.status == "reversed" or visit.psn_no != d["psn_no"]:
        raise Refused(f"未查询到就诊信息(mdtrt_id={d['mdtrt_id']}，psn_no={d['psn_no']})")
    keys = ("diag_info_id", "mdtrt_id", "psn_no", "inout_diag_type", "diag_type", "maindiag_flag", "diag_srt_no",
            "diag_code", "diag_name", "adm_cond", "diag_dept", "dise_dor_no", "dise_dor_name", "diag_time",
            "opter_id", "opter_name", "opt_time")  # fmt: skip
    rows = [{k: r.get(k) for k in keys} for r in visit.diseinfo]
    return Reply({"diseinfo": rows}, journal={"psn_no": visit.psn_no, "rows": len(rows)})


def _h5203(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    s = ctx.store.settlements.get(d["setl_id"])
    if s is None or s.fixmedins_code != ctx.code or s.status == "reversed" or s.psn_no != d["psn_no"] or (
        not spec.blank(d.get("mdtrt_id")) and s.mdtrt_id != d["mdtrt_id"]
    ):
        raise Refused(f"未查询到结算信息(setl_id={d['setl_id']}，psn_no={d['psn_no']})")
    visit = ctx.store.visits[s.mdtrt_id]
    person = _person(ctx, s.psn_no)
    insu = person.insu(s.insutype)
    setlinfo = dict(s.setlinfo)
    setlinfo.update(
        flxempe_flag="0", nwb_flag="0", insu_optins=s.clr_optins, emp_name=insu.emp_name if insu else None,
        pay_loc=_pay_loc(s.clr_optins, ctx.env["mdtrtarea_admvs"]), fixmedins_code=s.fixmedins_code,
        fixmedins_name=s.fixmedins_name, hosp_lv=None, fixmedins_poolarea=ctx.env["mdtrtarea_admvs"],
        lmtpric_hosp_lv=None, dedc_hosp_lv=None, begndate=visit.begntime[:10],
        enddate=(visit.endtime or s.setl_time)[:10], psn_pay=s.amount("psn_part_amt"),
        cash_payamt=s.amount("psn_cash_pay"), refd_setl_flag="1" if s.refund else "0", year=s.setl_time[:4],
        dise_name=(visit.mdtrtinfo or visit.info).get("dise_name"), invono=s.invono, opter_id=s.opter,
        opter_name=s.opter_name, setl_stas="cancelled" if s.status == "cancelled" else "normal",
    )  # fmt: skip
    out = {"setlinfo": setlinfo, "setldetail": s.setldetail}
    return Reply(jsonable(out), journal={"psn_no": s.psn_no, "setl_id": s.setl_id})


def _h5204(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    visit = ctx.store.visits.get(d["mdtrt_id"])
    if visit is None or visit.fixmedins_code != ctx.code or visit.status == "reversed" or visit.psn_no != d["psn_no"]:
        raise Refused(f"未查询到就诊信息(mdtrt_id={d['mdtrt_id']}，psn_no={d['psn_no']})")
    want = None if spec.blank(d.get("setl_id")) else d["setl_id"]
    rows = []
    for x in ctx.store.visit_details(visit.mdtrt_id).values():
        if want is not None and x.setl_id != want:
            continue
        r = x.row
        item = ctx.store.items.get(r["med_list_codg"])
        rows.append({
            "mdtrt_id": x.mdtrt_id, "setl_id": x.setl_id, "feedetl_sn": x.feedetl_sn,
            "rx_drord_no": r.get("rxno") or r.get("drord_no"), "med_type": r.get("med_type") or visit.med_type,
            "fee_ocur_time": r["fee_ocur_time"], "cnt": x.split["cnt"], "pric": x.split["pric"],
            "sin_dos_dscr": r.get("sin_dos_dscr"), "used_frqu_dscr": r.get("used_frqu_dscr"),
            "prd_days": r.get("prd_days"), "medc_way_dscr": r.get("medc_way_dscr"),
            **{k: x.split[k] for k in ("det_item_fee_sumamt", "pric_uplmt_amt", "selfpay_prop", "fulamt_ownpay_amt",
                                       "overlmt_amt", "preselfpay_amt", "inscp_scp_amt", "chrgitm_lv",
                                       "med_chrgitm_type", "memo")},
            "hilist_code": r["med_list_codg"], "hilist_name": item.name if item else None, "list_type": None,
            "med_list_codg": r["med_list_codg"], "medins_list_codg": r["medins_list_codg"], "medins_list_name": None,
            "bilg_dept_codg": r["bilg_dept_codg"], "bilg_dept_name": r["bilg_dept_name"],
            "bilg_dr_codg": r["bilg_dr_codg"], "bilg_dr_name": r["bilg_dr_name"], "opter_id": ctx.env["opter"],
            "opter_name": ctx.env["opter_name"], "opt_time": x.uploaded_at,
        })  # fmt: skip
    return Reply({"data": jsonable(rows)}, journal={"psn_no": visit.psn_no, "rows": len(rows)})


def _h5206(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    person = _person(ctx, d["psn_no"])
    cum_ym = d.get("cum_ym")
    if spec.blank(cum_ym):
        cum_ym = ctx.now.strftime("%Y%m")
    elif not re.fullmatch(r"\d{4}(0[1-9]|1[0-2])", cum_ym):
        raise Refused(f"[data.cum_ym]累计年月[{cum_ym}]格式错误，应为yyyyMM")
    year, upto = cum_ym[:4], f"{cum_ym[:4]}-{cum_ym[4:]}"
    rows = []
    for insu in person.insuinfo:
        done = [s for s in ctx.store.live_originals(person.psn_no, insu.insutype)
                if s.setl_time[:4] == year and s.setl_time[:7] <= upto]  # fmt: skip
        cums = {
            "Q0000": sum((s.amount("act_pay_dedc") for s in done), ZERO),
            "S0000": sum((s.amount("medfee_sumamt") for s in done), ZERO),
            "C0000": Decimal(sum(1 for s in done if s.clr_type == "21" and s.mid_setl_flag == "0")),
            "F0000": sum((s.amount("fund_pay_sumamt") for s in done), ZERO),
        }
        rows += [{"insutype": insu.insutype, "year": year, "cum_ym": cum_ym, "cum_type_code": k, "cum": v}
                 for k, v in cums.items()]  # fmt: skip
    return Reply({"cuminfo": jsonable(rows)}, journal={"psn_no": person.psn_no})


def _h5301(ctx: Ctx, n: dict[str, Any]) -> Reply:
    person = _person(ctx, n["data"]["psn_no"])
    rows = [
        {"opsp_dise_code": f.data["opsp_dise_code"], "opsp_dise_name": f.data["opsp_dise_name"],
         "begndate": f.data["begndate"], "enddate": f.data.get("enddate"), "trt_dcla_detl_sn": f.trt_dcla_detl_sn}
        for f in ctx.store.filings.values() if f.psn_no == person.psn_no and f.status == "active"
    ]  # fmt: skip
    return Reply({"feedetail": rows}, journal={"psn_no": person.psn_no, "rows": len(rows)})


def _h5303(ctx: Ctx, n: dict[str, Any]) -> Reply:
    d = n["data"]
    _check_dates(d["begntime"], d["endtime"], "data.endtime", "结束时间")
    want = None if spec.blank(d.get("psn_no")) else d["psn_no"]
    if want is not None:
        _person(ctx, want)
    rows = []
    for v in ctx.store.visits.values():
        if v.kind != "ipt" or v.status != "admitted" or v.fixmedins_code != ctx.code:
            continue
        if (want is not None and v.psn_no != want) or not (d["begntime"] <= v.begntime <= d["endtime"]):
            continue
        p = ctx.store.persons[v.psn_no]
        rows.append({
            "mdtrt_id": v.mdtrt_id, "psn_no": v.psn_no, "psn_cert_type": p.psn_cert_type, "certno": p.certno,
            "psn_name": p.psn_name, "gend": p.gend, "brdy": p.brdy, "age": _age(p.brdy, ctx.now.date()),
            "insutype": v.insutype, "begndate": v.begntime[:10], "med_type": v.med_type, "ipt_otp_no": v.ipt_otp_no,
            "out_flag": "0" if v.insuplc_admdvs == ctx.env["mdtrtarea_admvs"] else "1",
        })  # fmt: skip
    return Reply({"data": jsonable(rows)}, journal={"rows": len(rows)})


def _h9903(ctx: Ctx, n: dict[str, Any]) -> Reply:
    """Not in any public source (hsa.md §4.12): a made-up eligibility list, one row per 险种."""
    d = n["data"]
    person = _person(ctx, d["psn_no"])
    rows = []
    for insu in person.insuinfo:
        if not spec.blank(d.get("insutype")) and insu.insutype != d["insutype"]:
            continue
        rows.append({
            "psn_no": person.psn_no, "psn_name": person.psn_name, "insutype": insu.insutype,
            "insuplc_admdvs": insu.insuplc_admdvs, "psn_insu_stas": insu.psn_insu_stas,
            "elig_flag": "1" if insu.active else "0",
            "elig_dscr": "正常参保，可享受医保待遇" if insu.active else "参保状态异常，不能享受医保待遇",
            "out_flag": "0" if insu.insuplc_admdvs == ctx.env["mdtrtarea_admvs"] else "1",
        })  # fmt: skip
    return Reply({"data": rows}, journal={"psn_no": person.psn_no})


# ------------------------------------------------------------------------------------------------ files


def _bytes_to_base64(inp: Any) -> None:
    """9101 ``in`` as a JSON byte array (the spec's "字节数组") becomes Base64 text before the field check."""
    node = inp.get("fsUploadIn") if isinstance(inp, dict) else None
    if isinstance(node, dict) and isinstance(node.get("in"), list):
        values = node["in"]
        if all(isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in values):
            node["in"] = base64.b64encode(bytes(b & 0xFF for b in values)).decode("ascii")


def _store_file(ctx: Ctx, filename: str, data: bytes, source: str) -> StoredFile:
    no = "F" + ctx.new_id()[6:]
    end = (ctx.now + timedelta(seconds=ctx.store.file_ttl_s)).strftime(DT_FMT)
    f = StoredFile(no, filename, ctx.code, data, ctx.ts, end, source)
    ctx.store.files[no] = f
    return f


def _stored_file(ctx: Ctx, file_qury_no: str, path: str) -> StoredFile:
    f = ctx.store.files.get(file_qury_no)
    if f is None or f.fixmedins_code != ctx.code:
        raise Refused(f"[{path}]文件查询号[{file_qury_no}]不存在")
    if ctx.ts > f.dld_endtime:
        raise Refused(f"[{path}]文件[{file_qury_no}]已超过下载截止时间{f.dld_endtime}")
    return f


def _h9101(ctx: Ctx, n: dict[str, Any]) -> Reply:
    node = n["fsUploadIn"]
    if node["fixmedins_code"] != ctx.code:
        raise Refused(f"[fsUploadIn.fixmedins_code]医药机构编号[{node['fixmedins_code']}]与报文头不一致")
    try:
        data = base64.b64decode(re.sub(r"\s+", "", node["in"]), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("[fsUploadIn.in]文件数据不是有效的Base64编码") from None
    if not data:
        raise Refused("[fsUploadIn.in]文件数据为空")
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"[fsUploadIn.in]文件超过{MAX_FILE_BYTES // (1024 * 1024)}MB")
    f = _store_file(ctx, node["filename"], data, "9101")
    ctx.effect("9101", None, file_qury_no=f.file_qury_no)
    out = {"file_qury_no": f.file_qury_no, "filename": f.filename, "dld_endtime": f.dld_endtime}
    return Reply(out, journal={"file_qury_no": f.file_qury_no, "size": len(data)})


def _h9102(ctx: Ctx, n: dict[str, Any]) -> Reply:
    node = n["fsDownloadIn"]
    if node["fixmedins_code"] != ctx.code:
        raise Refused(f"[fsDownloadIn.fixmedins_code]医药机构编号[{node['fixmedins_code']}]与报文头不一致")
    f = _stored_file(ctx, node["file_qury_no"], "fsDownloadIn.file_qury_no")
    if node["filename"] not in (f.filename, "plc"):
        raise Refused(f"[fsDownloadIn.filename]文件名[{node['filename']}]与文件查询号不匹配")
    return Reply(FileDownload(f.filename, f.data), journal={"file_qury_no": f.file_qury_no, "size": len(f.data)})


HANDLERS: dict[str, Callable[[Ctx, dict[str, Any]], Reply]] = {
    "1101": _h1101, "2001": _h2001,
    "2201": _h2201, "2202": _h2202, "2203": _h2203, "2203A": _h2203, "2204": _h2204, "2205": _h2205,
    "2206": _h2206, "2207": _h2207, "2208": _h2208,
    "2301": _h2301, "2302": _h2302, "2303": _h2303, "2304": _h2304, "2305": _h2305,
    "2401": _h2401, "2402": _h2402, "2403": _h2403, "2404": _h2404, "2405": _h2405,
    "2503": _h2503, "2504": _h2504, "2601": _h2601,
    "3201": _h3201, "3202": _h3202, "3301": _h3301, "3302": _h3302,
    "4101": _h4101, "4101A": _h4101, "4102": _h4102, "4103": _h4103,
    "5201": _h5201, "5202": _h5202, "5203": _h5203, "5204": _h5204, "5206": _h5206, "5301": _h5301, "5303": _h5303,
    "9101": _h9101, "9102": _h9102, "9903": _h9903,
}  # fmt: skip
