"""Deterministic demo data for the demo HIS: one busy outpatient day and its pharmacy.

``generate(engine, day, scale, seed)`` fills :mod:`demo.his.schema` with a hospital day: reference data
(departments, rooms, staff, ~125 drugs, suppliers), stock batches received in the past two months, and on ``day``
itself purchases, supplier returns, stock movements, registrations, prescriptions, ``scale`` sale (dispensing)
lines with their scanned 追溯码, sale returns and the evening stock-take. A handful of sales happen on the day
before (they carry two edge cases). No purchase, return, movement, sale or stock-take is dated between
``day - 9`` and ``day - 2`` (past stock was received 10–60 days earlier), so a window a week earlier is empty.

Same ``(day, scale, seed)`` → identical rows (one ``random.Random`` and one seeded ``Faker("zh_CN")``, consumed in
a fixed order; no set iteration, no hash order). Rows are streamed to the database in ``executemany`` batches, so
memory does not grow with ``scale`` except for the PII lists the summary returns.

The seeded edge cases a real HIS has are listed, with their business keys, in :class:`EdgeCases`.
"""

from __future__ import annotations

import bisect
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from faker import Faker
from sqlalchemy import Connection, Engine, Table, func, select

from demo.his import idcard, refdata
from demo.his import schema as s

BATCH_ROWS = 5000
MIN_SCALE = 30

#: Share of the day's dispensing per hour, 08:00–19:59 (morning peak, lunch dip, afternoon clinic).
_HOURLY_LOAD = (10, 14, 14, 11, 4, 5, 10, 11, 9, 6, 3, 3)
_LINES_PER_RX = (1, 1, 1, 2, 2, 2, 2, 3, 3, 4)
_PACKS_PER_LINE = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3)
_P_SPLIT = 0.08  # 拆零 sale
_P_CANCEL = 0.004  # sale cancelled the same day
_P_RETURN = 0.01  # sale returned the same day
_P_EXTRA_REG = 0.25  # registration that leads to no dispensing
_P_REVISIT = 0.12
_P_INSURED = 0.8
_IMPORTED = ("辉瑞", "阿斯利康", "拜耳", "赛诺菲", "诺华")
_UNCODED_DRUG = "孟鲁司特钠片"  # its first manufacturer's product is not yet matched (med_list_codg NULL)
_Q2 = Decimal("0.01")
_Q6 = Decimal("0.000001")


@dataclass(frozen=True)
class EdgeCases:
    """Business keys of the seeded edge cases (all events on ``day`` unless said otherwise)."""

    sale_cancelled_same_day: str  # sale_line_id: sold and cancelled on day
    sale_cancelled_later: str  # sale_line_id: sold on day-1, cancelled on day (must be withdrawn by 3507)
    sale_return_of_earlier_sale: str  # sale_return.return_id on day …
    sale_returned: str  # … of this sale_line_id sold on day-1
    sale_without_trace_code: str  # sale_line_id: drug requires 追溯码, none scanned
    sale_bad_trace_code: str  # sale_line_id whose only code has 19 digits
    bad_trace_code: str  # that 19-digit code
    drug_without_national_code: str  # drug_code with med_list_codg NULL …
    sale_of_uncoded_drug: str  # … sold (sale_line_id),
    purchase_of_uncoded_drug: str  # … received (purchase_line_id),
    stock_take_of_uncoded_drug: str  # … and counted (take_id)
    duplicate_trace_code: str  # one package code …
    duplicate_trace_code_sales: tuple[str, str]  # … on two sale lines (first, second)
    registration_cancelled: str  # reg_id, status cancelled
    registration_refunded: str  # reg_id, status refunded
    purchase_cancelled: str  # receipt_no received and cancelled (冲红) on day …
    purchase_cancelled_lines: tuple[str, ...]  # … its purchase_line_ids
    stock_move_cancelled: str  # move_id recorded and cancelled on day


@dataclass(frozen=True)
class PiiValues:
    """Every patient and staff name, ID number and phone written, so tests can scan logs for leaks."""

    names: tuple[str, ...]
    id_card_nos: tuple[str, ...]
    phones: tuple[str, ...]


@dataclass(frozen=True)
class DemoSummary:
    day: date
    scale: int
    seed: int
    counts: dict[str, int]  # rows written per table
    edge_cases: EdgeCases
    pii: PiiValues


class _Drug(NamedTuple):
    code: str
    name: str
    kind: str  # X / Z / T
    pack_unit: str
    dose_unit: str
    pack_qty: int
    price: Decimal
    trace_required: bool
    trace_prefix: str  # 7-digit 药品标识码 of the 20-digit code


class _Batch(NamedTuple):
    batch_id: str
    drug: _Drug
    dept_code: str
    supplier_code: str
    purchase_line_id: str
    invoice_code: str | None
    invoice_no: str | None
    price: Decimal
    stock_qty: Decimal
    expy_end: date


class _Person(NamedTuple):
    name: str
    gender: str
    birth_date: date
    id_card_no: str
    phone: str


class _Sink:
    """Buffers rows per table and writes them with ``executemany``, parents before children."""

    def __init__(self, conn: Connection, batch_rows: int = BATCH_ROWS) -> None:
        self._conn = conn
        self._batch_rows = batch_rows
        self._tables: list[Table] = list(s.metadata.sorted_tables)
        self._rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in self._tables}
        self._pending = 0
        self.counts: dict[str, int] = {t.name: 0 for t in self._tables}

    def add(self, table: Table, **row: Any) -> None:
        self._rows[table.name].append(row)
        self._pending += 1
        if self._pending >= self._batch_rows:
            self.flush()

    def flush(self) -> None:
        for table in self._tables:
            rows = self._rows[table.name]
            if rows:
                self._conn.execute(table.insert(), rows)
                self.counts[table.name] += len(rows)
                self._rows[table.name] = []
        self._pending = 0


def generate(engine: Engine, day: date, scale: int, seed: int = 42) -> DemoSummary:
    """Fill the demo HIS for ``day`` with about ``scale`` sale lines; creates missing tables first.

    :param engine: the demo HIS database (SQLite or PostgreSQL; the types are Oracle-compatible).
    :param day: the demo day; almost every event happens on it (local time).
    :param scale: number of sale lines (at least 30); everything else is sized from it.
    :param seed: same seed, day and scale → identical data.
    :raises ValueError: if ``scale`` is too small or the database already holds demo data.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE} (the edge cases need room), got {scale}")
    s.create_schema(engine)
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(s.sale_line)).scalar_one():
            raise ValueError(
                "the database already holds demo data; drop the demo tables first (CLI: --reset)"
            )
        sink = _Sink(conn)
        summary = _Generator(sink, day, scale, seed).run()
        sink.flush()
    return DemoSummary(
        day=day,
        scale=scale,
        seed=seed,
        counts=dict(sink.counts),
        edge_cases=summary[0],
        pii=summary[1],
    )


class _Generator:
    def __init__(self, sink: _Sink, day: date, scale: int, seed: int) -> None:
        self.out = sink
        self.day = day
        self.prev_day = day - timedelta(days=1)
        self.scale = scale
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.ref_time = datetime.combine(day - timedelta(days=30), time(9, 0))
        self.edge: dict[str, Any] = {}
        self._names: dict[str, None] = {}
        self._ids: dict[str, None] = {}
        self._phones: dict[str, None] = {}
        self._seq: dict[str, int] = {}
        self._code_serial = self.rng.randrange(100_000_000, 200_000_000)
        cum = 0
        self._load_cum: list[float] = []
        for w in _HOURLY_LOAD:
            cum += w
            self._load_cum.append(cum / sum(_HOURLY_LOAD))

    # ------------------------------------------------------------------------------------------ helpers

    def next_seq(self, key: str) -> int:
        self._seq[key] = self._seq.get(key, 0) + 1
        return self._seq[key]

    def at(self, d: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(d, time(hh, mm))

    def minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=int(self.rng.uniform(lo, hi) * 60))

    def clock(self, d: date, u: float) -> datetime:
        """Time of day for quantile ``u`` of the dispensing load (08:00–20:00)."""
        hour = bisect.bisect_right(self._load_cum, u)
        hour = min(hour, len(_HOURLY_LOAD) - 1)
        lo = self._load_cum[hour - 1] if hour else 0.0
        frac = (u - lo) / (self._load_cum[hour] - lo)
        return self.at(d, 8) + timedelta(seconds=int((hour + min(max(frac, 0.0), 0.9999)) * 3600))

    def person(self, ref: date, min_age: int, max_age: int, mode_age: int) -> _Person:
        rng = self.rng
        age_days = int(rng.triangular(min_age * 365.25, (max_age + 1) * 365.25 - 1, mode_age * 365.25))
        birth = ref - timedelta(days=age_days)
        gender = "1" if rng.random() < 0.5 else "2"
        area = rng.choice(tuple(idcard.NANCHANG_AREAS))
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
            id_no = idcard.make_id_card_no(area, birth, seq)
            if id_no not in self._ids:
                break
        name = self.fake.name_male() if gender == "1" else self.fake.name_female()
        phone = self.fake.phone_number()
        self._ids[id_no] = None
        self._names[name] = None
        self._phones[phone] = None
        return _Person(name, gender, birth, id_no, phone)

    def trace_code(self, drug: _Drug) -> str:
        """A 20-digit 药品追溯码: 7-digit product id + 9-digit package serial + 4 check digits."""
        self._code_serial += self.rng.randint(1, 7)
        serial = f"{self._code_serial:09d}"
        check = (int(serial) * 7919 + int(drug.trace_prefix)) % 10000
        return f"{drug.trace_prefix}{serial}{check:04d}"

    def add_codes(self, kind: str, src_id: str, codes: Sequence[str], when: datetime, operator: str) -> None:
        for i, code in enumerate(codes, start=1):
            self.out.add(
                s.drug_trace_code,
                src_kind=kind,
                src_id=src_id,
                seq_no=i,
                trace_code=code,
                scan_time=when - timedelta(seconds=self.rng.randint(5, 120)),
                operator_code=operator,
            )

    # ------------------------------------------------------------------------------------------ run

    def run(self) -> tuple[EdgeCases, PiiValues]:
        self.reference_data()
        self.history()
        self.day_purchases()
        self.purchase_returns()
        self.stock_moves()
        self.outpatient()
        self.stock_takes()
        edge = EdgeCases(**self.edge)
        pii = PiiValues(tuple(self._names), tuple(self._ids), tuple(self._phones))
        return edge, pii

    # ------------------------------------------------------------------------------------------ reference

    def reference_data(self) -> None:
        rng, out, ref_time = self.rng, self.out, self.ref_time
        self.depts = {d.code: d for d in refdata.DEPTS}
        for sort_no, d in enumerate(refdata.DEPTS, start=1):
            out.add(
                s.dept,
                dept_code=d.code,
                dept_name=d.name,
                dept_type=d.dept_type,
                campus=d.campus,
                area=d.area,
                floor=d.floor,
                spell_code=d.spell_code,
                sort_no=sort_no,
                caty=refdata.DEPT_CATY.get(d.code),
                is_active=1,
                updated_at=ref_time,
            )
        for mt in refdata.MOVE_TYPES:
            out.add(
                s.stock_move_type, move_type=mt.code, type_name=mt.name, direction=mt.direction, is_active=1
            )
        self.suppliers: list[str] = []
        for i, (name, licence) in enumerate(refdata.SUPPLIERS, start=1):
            code = f"GYS{i:03d}"
            self.suppliers.append(code)
            out.add(
                s.supplier,
                supplier_code=code,
                supplier_name=name,
                licence_no=licence,
                is_active=1,
                updated_at=ref_time,
            )
        self.herb_supplier = self.suppliers[-1]
        self.drug_suppliers = self.suppliers[:-1]

        # rooms and staff
        self.rooms: dict[str, list[str]] = {}
        self.doctors: dict[str, list[tuple[str, str, str | None]]] = {}  # dept → (code, title, room)
        self.pharmacists: dict[str, list[str]] = {}
        self.clerks: dict[str, list[str]] = {}
        outpatient = [d for d in refdata.DEPTS if d.dept_type == "outpatient"]
        for d in outpatient:
            short = d.name.removesuffix("门诊").removeprefix("九龙湖")
            codes = []
            for i in range(1, rng.randint(2, 4) + 1):
                code = f"{d.code}{i:02d}"
                codes.append(code)
                out.add(
                    s.room,
                    room_code=code,
                    room_name=f"{short}{i}诊室",
                    dept_code=d.code,
                    floor=d.floor,
                    location=f"{d.area}{d.floor.removesuffix('F')}{i:02d}室",
                    caller_terminal=f"CALL-{d.code}-{i:02d}",
                    is_active=1,
                    updated_at=ref_time,
                )
            self.rooms[d.code] = codes
        for d in outpatient:
            titles = ["主任医师", "副主任医师"] + [
                rng.choice(("副主任医师", "主治医师", "主治医师", "住院医师"))
                for _ in range(rng.randint(2, 5))
            ]
            self.doctors[d.code] = []
            for i, title in enumerate(titles):
                code = self.staff_row(d.code, "doctor", title, rng.choice(refdata.SPECIALTIES[d.code]))
                room_codes = self.rooms[d.code]
                self.doctors[d.code].append((code, title, room_codes[i % len(room_codes)]))
            for _ in range(2):
                self.staff_row(d.code, "nurse", rng.choice(("护士", "护师", "主管护师")), None)
        pharmacy_sizes = {"3010": (6, 3), "3020": (3, 2), "3030": (4, 2), "3040": (3, 2), "3050": (2, 2)}
        for dept_code, (n_phar, n_clerk) in pharmacy_sizes.items():
            self.pharmacists[dept_code] = [
                self.staff_row(dept_code, "pharmacist", t, None)
                for t in ["主任药师", "主管药师"][: min(2, n_phar)]
                + [rng.choice(("主管药师", "药师", "药师", "药士")) for _ in range(n_phar - 2)]
            ]
            self.clerks[dept_code] = [self.staff_row(dept_code, "clerk", None, None) for _ in range(n_clerk)]
        self.drug_catalogue()

    def staff_row(self, dept_code: str, role: str, title: str | None, specialty: str | None) -> str:
        rng = self.rng
        code = f"{10000 + self.next_seq('staff')}"
        p = self.person(self.day, 24, 62, 40)
        if role == "doctor":
            cert = f"1{rng.choice('1234')}0{rng.choice(tuple(idcard.NANCHANG_AREAS))}{rng.randrange(10**5, 10**6)}"
        elif role == "pharmacist":
            cert = f"3601{rng.randint(2005, 2023)}{rng.randrange(10**5, 10**6)}"
        elif role == "nurse":
            cert = f"2{rng.randint(2005, 2023)}3601{rng.randrange(10**5, 10**6)}"
        else:
            cert = None
        self.out.add(
            s.staff,
            staff_code=code,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            id_card_no=p.id_card_no,
            phone=p.phone,
            role=role,
            title=title,
            dept_code=dept_code,
            prac_cert_no=cert,
            specialty=f"擅长{specialty}" if specialty else None,
            hi_psn_codg=refdata.hi_psn_codg(role, code),
            is_active=1,
            updated_at=self.ref_time,
        )
        return code

    def drug_catalogue(self) -> None:
        rng = self.rng
        self.drugs: list[_Drug] = []
        prefixes: dict[str, None] = {}
        uncoded: _Drug | None = None
        for ref in refdata.DRUGS:
            pool = {
                "X": refdata.MANUFACTURERS_X,
                "Z": refdata.MANUFACTURERS_Z,
                "T": refdata.MANUFACTURERS_T,
            }[ref.kind]
            makers = rng.sample(pool, 2 if rng.random() < 0.45 else 1)
            for maker in makers:
                n = self.next_seq("drug")
                code = f"YP{n:06d}"
                while True:
                    prefix = f"8{rng.randint(1, 9)}{rng.randrange(0, 10**5):05d}"
                    if prefix not in prefixes:
                        prefixes[prefix] = None
                        break
                national = (
                    f"{ref.kind}{ref.category}{rng.choice('AB')}{rng.randrange(1000):03d}"
                    f"{rng.choice('AB')}{rng.randrange(1000):03d}{rng.randrange(10**9):09d}"
                )
                if ref.kind == "T":
                    aprvno = f"赣{rng.randint(2015, 2022)}{rng.randrange(10**4):04d}"  # 饮片: 生产许可证号
                    barcode = None
                else:
                    letter = ref.kind if ref.kind == "Z" else ("J" if maker.startswith(_IMPORTED) else "H")
                    aprvno = f"国药准字{letter}{rng.choice(('19', '20'))}{rng.randrange(10**6):06d}"
                    barcode = _ean13(f"69{rng.randrange(10**10):010d}")
                drug = _Drug(
                    code=code,
                    name=ref.name,
                    kind=ref.kind,
                    pack_unit=ref.pack_unit,
                    dose_unit=ref.dose_unit,
                    pack_qty=ref.pack_qty,
                    price=Decimal(ref.price),
                    trace_required=ref.kind != "T",
                    trace_prefix=prefix,
                )
                is_uncoded = ref.name == _UNCODED_DRUG and uncoded is None
                if is_uncoded:
                    uncoded = drug
                self.drugs.append(drug)
                self.out.add(
                    s.drug_dict,
                    drug_code=code,
                    drug_name=ref.name,
                    spec=ref.spec,
                    dosage_form=ref.form,
                    drug_cat={"X": "西药", "Z": "中成药", "T": "中药饮片"}[ref.kind],
                    pack_unit=ref.pack_unit,
                    dose_unit=ref.dose_unit,
                    pack_qty=ref.pack_qty,
                    prodentp_name=maker,
                    aprvno=aprvno,
                    med_list_codg=None if is_uncoded else national,
                    rx_type=ref.rx,
                    retail_price=drug.price,
                    trace_required="Y" if drug.trace_required else "N",
                    barcode=barcode,
                    shelf_posi=f"{rng.choice('ABCDEF')}{rng.randint(1, 12):02d}-{rng.randint(1, 20):02d}",
                    is_active=1,
                    updated_at=self.ref_time,
                )
        assert uncoded is not None
        self.uncoded = uncoded
        self.edge["drug_without_national_code"] = uncoded.code
        self.sellable = [d for d in self.drugs if d.kind != "T"]

    # ------------------------------------------------------------------------------------------ stock

    def new_batch(
        self,
        drug: _Drug,
        dept_code: str,
        supplier: str,
        line_id: str,
        invoice: tuple[str | None, str | None],
        in_time: datetime,
        qty: Decimal,
        price: Decimal,
    ) -> _Batch:
        rng = self.rng
        batch_id = f"PC{in_time:%Y%m%d}{self.next_seq('batch'):06d}"
        manu = in_time.date() - timedelta(days=rng.randint(30, 420))
        expy = manu + timedelta(days=rng.choice((730, 1095, 1095, 1460))) - timedelta(days=1)
        lot = rng.choice(
            (
                f"{manu:%y%m%d}{rng.randint(1, 9)}",
                f"{manu:%Y%m}{rng.randint(10, 99)}",
                f"B{manu:%y%m}{rng.randint(100, 999)}",
            )
        )
        self.out.add(
            s.stock_batch,
            batch_id=batch_id,
            drug_code=drug.code,
            manu_lotnum=lot,
            manu_date=manu,
            expy_end=expy,
            purchase_price=price,
            retail_price=drug.price,
            supplier_code=supplier,
            dept_code=dept_code,
            in_time=in_time,
            stock_qty=qty,
            updated_at=in_time,
        )
        return _Batch(batch_id, drug, dept_code, supplier, line_id, invoice[0], invoice[1], price, qty, expy)

    def invoice(self) -> tuple[str | None, str | None]:
        rng = self.rng
        if rng.random() < 0.5:  # 增值税专用发票: 10/12-digit code + 8-digit number
            return f"036{rng.randrange(10**9):09d}", f"{rng.randrange(10**8):08d}"
        return None, f"{self.day:%y}36{rng.randrange(10**16):016d}"  # 全电发票: 20-digit number, no code

    def receipt(
        self,
        when: datetime,
        supplier: str,
        drugs: Sequence[_Drug],
        homes: Sequence[str],
        gift_at: int | None = None,
        cancel_at: datetime | None = None,
    ) -> tuple[str, list[_Batch]]:
        """A purchase receipt at the drug store; one new batch per line, kept at ``homes[i]``."""
        rng, out = self.rng, self.out
        receipt_no = f"RK{when:%Y%m%d}{self.next_seq('receipt'):05d}"
        inv = self.invoice()
        store_ops = self.clerks[refdata.DRUG_STORE] + self.pharmacists[refdata.DRUG_STORE]
        out.add(
            s.purchase_receipt,
            receipt_no=receipt_no,
            supplier_code=supplier,
            dept_code=refdata.DRUG_STORE,
            delivery_no=f"XS{when:%y%m%d}{rng.randrange(10**4):04d}",
            invoice_code=inv[0],
            invoice_no=inv[1],
            receipt_time=when,
            operator_code=rng.choice(store_ops),
            status="cancelled" if cancel_at else "normal",
            cancel_time=cancel_at,
            remark="入库单录入错误，冲红" if cancel_at else None,
            updated_at=cancel_at or when,
        )
        batches = []
        for i, drug in enumerate(drugs, start=1):
            line_id = f"RL{when:%Y%m%d}{self.next_seq('purchase_line'):06d}"
            packs = Decimal(rng.choice((10, 20, 20, 50, 50, 100, 200)))
            gift = (gift_at == i - 1) or rng.random() < 0.03
            price = Decimal(0) if gift else drug.price  # 药品零加成: purchase price = retail price
            qty = Decimal(0) if cancel_at else packs
            batch = self.new_batch(drug, homes[i - 1], supplier, line_id, inv, when, qty, drug.price)
            batches.append(batch)
            out.add(
                s.purchase_line,
                purchase_line_id=line_id,
                receipt_no=receipt_no,
                line_no=i,
                drug_code=drug.code,
                batch_id=batch.batch_id,
                qty=packs,
                price=price,
                amount=(price * packs).quantize(_Q2),
                gift_flag="Y" if gift else "N",
                remark="厂家赠送" if gift else None,
            )
        return receipt_no, batches

    def history(self) -> None:
        """Stock received 60–10 days before the demo day, kept in the pharmacies (sold from today)."""
        rng = self.rng
        plan: list[tuple[_Drug, str]] = []
        for drug in self.drugs:
            homes = ("3020",) if drug.kind == "T" else ("3010", "3030", "3040")
            for home in homes:
                for _ in range(rng.randint(1, 2)):
                    plan.append((drug, home))
        rng.shuffle(plan)
        self.batches: list[_Batch] = []
        self.sale_batches: dict[tuple[str, str], list[_Batch]] = {}
        herbs = [p for p in plan if p[0].kind == "T"]
        others = [p for p in plan if p[0].kind != "T"]
        chunks = [others[i : i + 6] for i in range(0, len(others), 6)] + [herbs]
        for chunk in chunks:
            when = self.at(
                self.day - timedelta(days=rng.randint(10, 60)), rng.randint(8, 16), rng.randint(0, 59)
            )
            supplier = self.herb_supplier if chunk[0][0].kind == "T" else rng.choice(self.drug_suppliers)
            _, batches = self.receipt(when, supplier, [d for d, _ in chunk], [h for _, h in chunk])
            for b in batches:
                self.batches.append(b)
                self.sale_batches.setdefault((b.drug.code, b.dept_code), []).append(b)

    def day_purchases(self) -> None:
        rng = self.rng
        n = max(3, self.scale // 400)
        times = sorted(self.at(self.day, 8, 30) + self.minutes(0, 510) for _ in range(n))
        for i, when in enumerate(times):
            if i == 2:  # one delivery of decoction pieces
                supplier, pool = self.herb_supplier, [d for d in self.drugs if d.kind == "T"]
            else:
                supplier, pool = rng.choice(self.drug_suppliers), self.sellable
            drugs = rng.sample(pool, min(len(pool), rng.randint(3, 8)))
            if i == 0:
                drugs[0] = self.uncoded
            cancel_at = when + self.minutes(30, 90) if i == 1 else None
            receipt_no, batches = self.receipt(
                when,
                supplier,
                drugs,
                [refdata.DRUG_STORE] * len(drugs),
                gift_at=len(drugs) - 1 if i == 0 else None,
                cancel_at=cancel_at,
            )
            self.batches.extend(batches)
            if i == 0:
                self.edge["purchase_of_uncoded_drug"] = batches[0].purchase_line_id
            if cancel_at:
                self.edge["purchase_cancelled"] = receipt_no
                self.edge["purchase_cancelled_lines"] = tuple(b.purchase_line_id for b in batches)

    def purchase_returns(self) -> None:
        rng = self.rng
        candidates = [b for b in self.batches if b.drug.kind != "T" and b.dept_code != refdata.DRUG_STORE]
        reasons = ("近效期退货", "质量问题退货", "滞销退货", "包装破损退货")
        for _ in range(max(2, self.scale // 2000)):
            b = rng.choice(candidates)
            when = self.at(self.day, 9) + self.minutes(0, 480)
            seq = self.next_seq("purchase_return")
            self.out.add(
                s.purchase_return,
                return_id=f"CT{self.day:%Y%m%d}{seq:06d}",
                return_no=f"CTD{self.day:%Y%m%d}{seq:04d}",
                supplier_code=b.supplier_code,
                purchase_line_id=b.purchase_line_id,
                drug_code=b.drug.code,
                batch_id=b.batch_id,
                dept_code=b.dept_code,
                qty=Decimal(rng.randint(1, 5)),
                price=b.price,
                invoice_code=b.invoice_code,
                invoice_no=b.invoice_no,
                return_time=when,
                operator_code=rng.choice(self.clerks[refdata.DRUG_STORE]),
                reason=rng.choice(reasons),
                remark=None,
                updated_at=when,
            )

    def stock_moves(self) -> None:
        rng = self.rng
        store, inpatient = refdata.DRUG_STORE, refdata.INPATIENT_PHARMACY
        kinds = refdata.GENERATED_MOVE_TYPES
        weights = (35, 25, 5, 5, 5, 5, 5, 10, 5)
        n = max(12, self.scale // 200)
        pool = [b for b in self.batches if b.drug.kind != "T" and b.dept_code != store]
        for i in range(n):
            move_type = kinds[i] if i < len(kinds) else rng.choices(kinds, weights)[0]
            b = rng.choice(pool)
            when = self.at(self.day, 8, 30) + self.minutes(0, 570)
            from_dept, to_dept, reason = {
                "DBRK": (store, b.dept_code, "药房请领调拨入库"),
                "DBCK": (b.dept_code, inpatient, "调拨至住院药房"),
                "PYRK": (None, b.dept_code, "盘点盘盈"),
                "PKCK": (b.dept_code, None, "盘点盘亏"),
                "XHCK": (b.dept_code, None, "近效期药品报损销毁"),
                "QTRK": (None, b.dept_code, "科室退药入库"),
                "QTCK": (b.dept_code, None, "科室领用出库"),
                "ZYRK": (None, store, "厂家赠药入库"),
                "ZYTH": (store, None, "赠药退回厂家"),
            }[move_type]
            split = move_type in ("PYRK", "PKCK") and b.drug.pack_qty > 1 and rng.random() < 0.3
            if split:
                qty, n_codes = Decimal(rng.randint(1, b.drug.pack_qty - 1)), 1
            else:
                n_codes = rng.randint(1, 6)
                qty = Decimal(n_codes)
            cancelled = i == 2
            cancel_at = when + self.minutes(20, 60) if cancelled else None
            move_id = f"BD{self.day:%Y%m%d}{self.next_seq('move'):06d}"
            operator = rng.choice(self.clerks[store] + self.pharmacists[store])
            self.out.add(
                s.stock_move,
                move_id=move_id,
                move_no=f"{move_type}{self.day:%Y%m%d}{i + 1:04d}",
                move_type=move_type,
                drug_code=b.drug.code,
                batch_id=b.batch_id,
                qty=qty,
                price=(b.price / b.drug.pack_qty).quantize(_Q6) if split else b.price,
                split_flag="Y" if split else "N",
                from_dept=from_dept,
                to_dept=to_dept,
                move_time=when,
                operator_code=operator,
                reason=reason,
                remark="录入错误作废" if cancelled else None,
                status="cancelled" if cancelled else "normal",
                cancel_time=cancel_at,
                updated_at=cancel_at or when,
            )
            if cancelled:
                self.edge["stock_move_cancelled"] = move_id
            if b.drug.trace_required:
                self.add_codes(
                    s.TRACE_STOCK_MOVE,
                    move_id,
                    [self.trace_code(b.drug) for _ in range(n_codes)],
                    when,
                    operator,
                )

    def stock_takes(self) -> None:
        """The evening stock-take on the demo day: one row per batch in stock, 1–3 package codes scanned."""
        rng = self.rng
        when0 = self.at(self.day, 20, 30)
        for b in self.batches:
            if b.stock_qty <= 0:
                continue
            book = Decimal(rng.randint(1, int(b.stock_qty)))
            actual = book
            if rng.random() < 0.03:
                actual = max(Decimal(0), book + rng.choice((-2, -1, 1)))
            when = when0 + self.minutes(0, 60)
            take_id = f"ST{self.day:%Y%m%d}{self.next_seq('take'):06d}"
            operator = rng.choice(self.pharmacists[b.dept_code])
            self.out.add(
                s.stock_take,
                take_id=take_id,
                take_no=f"PD{self.day:%Y%m%d}{b.dept_code}",
                take_date=self.day,
                dept_code=b.dept_code,
                batch_id=b.batch_id,
                drug_code=b.drug.code,
                book_qty=book,
                actual_qty=actual,
                take_time=when,
                operator_code=operator,
                remark=None if actual == book else "盘点差异",
                updated_at=when,
            )
            if b.drug.code == self.uncoded.code and "stock_take_of_uncoded_drug" not in self.edge:
                self.edge["stock_take_of_uncoded_drug"] = take_id
            if b.drug.trace_required and actual > 0:
                n = min(int(actual), rng.randint(1, 3))
                self.add_codes(
                    s.TRACE_STOCK_TAKE, take_id, [self.trace_code(b.drug) for _ in range(n)], when, operator
                )

    # ------------------------------------------------------------------------------------------ outpatient

    def outpatient(self) -> None:
        self.queue: dict[tuple[date, str, str, str], int] = {}
        self.recent: dict[bool, deque[tuple[str, str | None]]] = {
            True: deque(maxlen=300),
            False: deque(maxlen=300),
        }
        self.outpatient_depts = [d for d in refdata.DEPTS if d.dept_type == "outpatient"]
        self.dept_weights = [
            (
                3
                if d.code in ("1010", "1020", "1030", "1040", "1110", "1180")
                else 2
                if d.campus == "main"
                else 1
            )
            for d in self.outpatient_depts
        ]
        self.dup: tuple[_Drug, _Batch, str] | None = None
        n_prev = max(4, self.scale // 200)
        n_day = self.scale - n_prev
        self.sales(self.prev_day, n_prev, {0: "returned_later", 1: "cancelled_later"})
        pos = {f: int(n_day * f) for f in (0.10, 0.15, 0.25, 0.35, 0.45, 0.60)}
        self.sales(
            self.day,
            n_day,
            {
                pos[0.10]: "dup_first",
                pos[0.15]: "cancel_same_day",
                pos[0.25]: "no_code",
                pos[0.35]: "bad_len",
                pos[0.45]: "uncoded",
                pos[0.60]: "dup_second",
            },
        )

    def patient(self, when: datetime, child: bool) -> tuple[str, str | None, bool]:
        """A patient for a registration at ``when``: a recent one again (复诊) or a new file.

        Returns the patient id, the 医保 人员编号 (None for self-paying patients) and whether the hospital
        knew the patient before (复诊).
        """
        rng = self.rng
        recent = self.recent[child]
        if recent and rng.random() < _P_REVISIT:
            pid, psn_no = rng.choice(recent)
            return pid, psn_no, True
        p = self.person(when.date(), 0, 14, 4) if child else self.person(when.date(), 15, 92, 52)
        pid = f"{20_000_000 + self.next_seq('patient'):010d}"
        old = rng.random() < 0.65
        created = when - timedelta(days=rng.randint(30, 1800), minutes=rng.randint(0, 600)) if old else when
        psn_no: str | None = None
        insuplc: str | None = None
        if rng.random() < _P_INSURED:
            psn_no = f"36{rng.randrange(10**17, 10**18)}"
            r = rng.random()
            if r < 0.85:
                insuplc = "360100"  # 南昌市本地参保
            elif r < 0.95:
                insuplc = rng.choice(("360400", "360700", "361100"))  # 省内异地
            else:
                insuplc = rng.choice(("330100", "440300", "430100"))  # 跨省异地
        district = idcard.NANCHANG_AREAS.get(p.id_card_no[:6], "东湖区")
        unit = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
        self.out.add(
            s.patient,
            patient_id=pid,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            id_card_no=p.id_card_no,
            phone=p.phone,
            address=f"江西省南昌市{district}{rng.choice(refdata.STREETS)}{rng.randint(1, 999)}号{unit}",
            psn_no=psn_no,
            insuplc_admdvs=insuplc,
            created_at=created,
        )
        recent.append((pid, psn_no))
        return pid, psn_no, old

    def registration(
        self, visit_day: date, seen_at: datetime, status: str = "normal", visit_status: str = "done"
    ) -> tuple[str, str, str | None, str, str, str]:
        """Register a patient seen at about ``seen_at``; returns reg_id, patient, psn_no, dept, doctor, campus."""
        rng = self.rng
        d = rng.choices(self.outpatient_depts, self.dept_weights)[0]
        child = d.code in ("1110", "2030")
        floor = self.at(visit_day, 7)
        sign_in = max(seen_at - self.minutes(3, 90), floor)
        appointment = rng.random() < 0.45 and d.code != refdata.EMERGENCY_DEPT
        if appointment:
            reg_time = self.at(visit_day - timedelta(days=rng.randint(1, 3)), 8) + self.minutes(0, 840)
        else:
            reg_time = max(min(sign_in - self.minutes(1, 30), sign_in), floor - timedelta(minutes=30))
        pid, psn_no, known = self.patient(reg_time, child)
        doctors = self.doctors[d.code]
        if d.code == refdata.EMERGENCY_DEPT:
            reg_type = "emergency"
            doctor, _, room = rng.choice(doctors)
        elif rng.random() < 0.3:
            reg_type = "expert"
            doctor, _, room = rng.choice([x for x in doctors if "主任" in x[1]])
        else:
            reg_type = "normal"
            doctor, _, room = rng.choice(doctors)
            if rng.random() < 0.15:
                doctor = None  # 普通号 not bound to a doctor until called
        slot = "1" if sign_in.hour < 12 else "2" if sign_in.hour < 18 else "3"
        qkey = (visit_day, d.code, doctor or "", slot)
        self.queue[qkey] = self.queue.get(qkey, 0) + 1
        cancel_time = None
        if status != "normal":  # 退号 on the visit day, before being seen
            cancel_time = max(reg_time, floor) + self.minutes(5, 120)
            sign_in_time = None
        else:
            sign_in_time = None if visit_status in ("waiting", "absent") and rng.random() < 0.5 else sign_in
        seen = seen_at if status == "normal" and visit_status in ("done", "called") else None
        reg_id = f"MZ{visit_day:%Y%m%d}{self.next_seq('reg'):06d}"
        self.out.add(
            s.registration,
            reg_id=reg_id,
            patient_id=pid,
            dept_code=d.code,
            room_code=room if rng.random() < 0.97 else None,
            doctor_code=doctor,
            visit_date=visit_day,
            time_slot=slot,
            queue_no=self.queue[qkey],
            reg_type=reg_type,
            reg_time=reg_time,
            is_appointment=1 if appointment else 0,
            sign_in_time=sign_in_time,
            visit_status=visit_status,
            is_revisit=1 if known else 0,
            status=status,
            cancel_time=cancel_time,
            updated_at=max(t for t in (reg_time, sign_in_time, cancel_time, seen) if t is not None),
        )
        return reg_id, pid, psn_no, d.code, doctor or rng.choice(doctors)[0], d.campus

    def extra_registration(self, visit_day: date, near: datetime, status: str | None = None) -> str:
        """A registration that leads to no dispensing (cancelled, refunded, absent, waiting, no drugs)."""
        rng = self.rng
        if status is None:
            r = rng.random()
            status = "cancelled" if r < 0.12 else "refunded" if r < 0.18 else "normal"
        visit_status = "waiting"
        if status == "normal":
            visit_status = rng.choices(("done", "absent", "waiting", "called"), (55, 12, 20, 13))[0]
        return self.registration(visit_day, near - self.minutes(0, 60), status, visit_status)[0]

    def sales(self, visit_day: date, n_lines: int, edge_at: dict[int, str]) -> None:
        rng = self.rng
        j = 0
        visits = 0
        while j < n_lines:
            k = min(rng.choice(_LINES_PER_RX), n_lines - j)
            sale_time = self.clock(visit_day, (j + rng.random()) / n_lines)
            rx_time = sale_time - self.minutes(5, 40)
            seen_at = rx_time - self.minutes(5, 25)
            reg_id, pid, psn_no, dept_code, doctor, campus = self.registration(visit_day, seen_at)
            if visit_day == self.day and visits == 0:
                self.edge["registration_cancelled"] = self.extra_registration(visit_day, seen_at, "cancelled")
                self.edge["registration_refunded"] = self.extra_registration(visit_day, seen_at, "refunded")
            elif rng.random() < _P_EXTRA_REG:
                self.extra_registration(visit_day, seen_at)
            visits += 1
            rx_no = self.prescription(reg_id, pid, psn_no, dept_code, doctor, rx_time)
            pharmacy = refdata.CAMPUS_PHARMACY[campus]
            docno = f"{visit_day:%Y%m%d}{self.next_seq('rtal'):06d}"
            drugs = rng.sample(self.sellable, k)
            pharmacist = rng.choice(self.pharmacists[pharmacy])
            operator = rng.choice(self.clerks[pharmacy] + self.pharmacists[pharmacy])
            for i, drug in enumerate(drugs):
                self.sale_line(
                    rx_no,
                    i + 1,
                    f"LS{docno}",
                    f"CK{docno}",
                    pharmacy,
                    drug,
                    sale_time + timedelta(seconds=i * 7),
                    pharmacist,
                    operator,
                    edge_at.get(j + i),
                )
            j += k

    def prescription(
        self, reg_id: str, pid: str, psn_no: str | None, dept_code: str, doctor: str, rx_time: datetime
    ) -> str:
        rng = self.rng
        rx_no = f"CF{rx_time:%Y%m%d}{self.next_seq('rx'):07d}"
        insured = psn_no is not None and rng.random() < 0.92  # some insured patients still pay themselves
        n = self._seq["rx"]
        self.out.add(
            s.prescription,
            rx_no=rx_no,
            reg_id=reg_id,
            patient_id=pid,
            doctor_code=doctor,
            dept_code=dept_code,
            rx_time=rx_time,
            setl_type="YB" if insured else "ZF",
            setl_id=f"360100{rx_time:%Y%m%d%H%M%S}{n:08d}" if insured else None,
            mdtrt_id=f"3601{rx_time:%Y%m%d}{n:010d}" if insured else None,
            external_flag="Y" if rng.random() < 0.005 else "N",
            status="normal",
            updated_at=rx_time,
        )
        return rx_no

    def sale_line(
        self,
        rx_no: str,
        line_no: int,
        rtal_docno: str,
        stoout_no: str,
        pharmacy: str,
        drug: _Drug,
        sale_time: datetime,
        pharmacist: str,
        operator: str,
        edge: str | None,
    ) -> None:
        rng = self.rng
        if edge == "uncoded":
            drug = self.uncoded
        batch = rng.choice(self.sale_batches[(drug.code, pharmacy)])
        if edge == "dup_second":
            assert self.dup is not None
            drug, batch, _ = self.dup
        split = edge is None and drug.pack_qty > 1 and rng.random() < _P_SPLIT
        if split:
            qty = Decimal(rng.randint(1, min(drug.pack_qty - 1, 30)))
            unit, price, n_codes = (
                drug.dose_unit,
                (drug.price / drug.pack_qty).quantize(_Q6, ROUND_HALF_UP),
                1,
            )
        else:
            n_codes = 2 if edge == "returned_later" else rng.choice(_PACKS_PER_LINE)
            if edge in ("no_code", "bad_len", "dup_second"):
                n_codes = 1
            qty, unit, price = Decimal(n_codes), drug.pack_unit, drug.price
        codes = [self.trace_code(drug) for _ in range(n_codes)]
        line_id = f"FY{sale_time:%Y%m%d}{self.next_seq('sale'):07d}"
        status, cancel_time, remark = "normal", None, None
        if edge == "cancel_same_day" or (edge is None and rng.random() < _P_CANCEL):
            status, cancel_time, remark = "cancelled", sale_time + self.minutes(5, 90), "患者取消取药，作废"
            if edge:
                self.edge["sale_cancelled_same_day"] = line_id
        elif edge == "cancelled_later":
            status, remark = "cancelled", "次日退费作废"
            cancel_time = self.at(self.day, 9) + self.minutes(0, 60)
            self.edge["sale_cancelled_later"] = line_id
        elif edge == "no_code":
            codes = []
            self.edge["sale_without_trace_code"] = line_id
        elif edge == "bad_len":
            codes = [codes[0][:19]]
            self.edge["sale_bad_trace_code"] = line_id
            self.edge["bad_trace_code"] = codes[0]
        elif edge == "uncoded":
            self.edge["sale_of_uncoded_drug"] = line_id
        elif edge == "dup_first":
            self.dup = (drug, batch, codes[0])
            self.edge["duplicate_trace_code"] = codes[0]
            self.edge["_dup_first"] = line_id
        elif edge == "dup_second":
            assert self.dup is not None
            codes = [self.dup[2]]
            self.edge["duplicate_trace_code_sales"] = (self.edge.pop("_dup_first"), line_id)
        self.out.add(
            s.sale_line,
            sale_line_id=line_id,
            rx_no=rx_no,
            line_no=line_no,
            rtal_docno=rtal_docno,
            stoout_no=stoout_no,
            dept_code=pharmacy,
            drug_code=drug.code,
            batch_id=batch.batch_id,
            qty=qty,
            sale_unit=unit,
            unit_price=price,
            amount=(qty * price).quantize(_Q2, ROUND_HALF_UP),
            split_flag="Y" if split else "N",
            sale_time=sale_time,
            pharmacist_code=pharmacist,
            operator_code=operator,
            status=status,
            cancel_time=cancel_time,
            remark=remark,
            updated_at=cancel_time or sale_time,
        )
        self.add_codes(s.TRACE_SALE, line_id, codes, sale_time, operator)
        if edge == "returned_later":
            when = self.at(self.day, 10) + self.minutes(0, 60)
            rid = self.sale_return(
                line_id, Decimal(1), price, codes[:1], when, pharmacy, "药品不良反应，退药"
            )
            self.edge["sale_return_of_earlier_sale"] = rid
            self.edge["sale_returned"] = line_id
        elif edge is None and status == "normal" and rng.random() < _P_RETURN:
            when = min(sale_time + self.minutes(30, 240), self.at(sale_time.date(), 23))
            n_back = len(codes) if split else rng.randint(1, n_codes)
            back_qty = qty if split else Decimal(n_back)
            self.sale_return(line_id, back_qty, price, codes[:n_back], when, pharmacy, "医生调整处方，退药")

    def sale_return(
        self,
        line_id: str,
        qty: Decimal,
        price: Decimal,
        codes: Sequence[str],
        when: datetime,
        pharmacy: str,
        reason: str,
    ) -> str:
        rid = f"TY{when:%Y%m%d}{self.next_seq('sale_return'):06d}"
        operator = self.rng.choice(self.pharmacists[pharmacy])
        self.out.add(
            s.sale_return,
            return_id=rid,
            sale_line_id=line_id,
            qty=qty,
            amount=(qty * price).quantize(_Q2, ROUND_HALF_UP),
            return_time=when,
            operator_code=operator,
            reason=reason,
            remark=None,
            updated_at=when,
        )
        self.add_codes(s.TRACE_SALE_RETURN, rid, codes, when, operator)
        return rid


def _ean13(first12: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)
