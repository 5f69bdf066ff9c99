"""The bare loop: the least any sale feed has to do, as the yardstick for ``hsa_trace_sale``.

Same SQL (``include/sql/hsa_trace_sale.sql``), same window, same HIS, same endpoint as the feed — but a raw
psycopg 3 server-side cursor read with ``fetchmany``, the rows of one sale line folded into one record (its
scanned codes as a list, as the feed's 3505 row carries them), ``json.dumps`` into a 医保-like 3505A envelope and
100-record POSTs over one keep-alive ``requests.Session``. No mapping, no validation, no ledger, no retries.

It counts *records* (sale lines, the unit of the feed's ``selected``), so the two rates compare like with like;
the SQL rows (one per line and code) are reported too.

    python bench/bare_loop.py HIS_LIBPQ_URL ENDPOINT_URL [--batch-size 100] [--fetch-size 2000]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
import requests
from common import code_root, demo_window, emit_result, peak_rss_mb, rss_mb

CALL_PATH = "/fsi/api/rsfComIfsService/callService"
FIXMEDINS_CODE = "H36010000001"
KEY_COLUMN, CODE_COLUMN = "sale_line_id", "trace_code"


def load_sql() -> str:
    """The feed's SQL with its ``:name`` binds turned into psycopg's ``%(name)s`` (no ``%`` may stay literal)."""
    path = code_root() / "include" / "sql" / "hsa_trace_sale.sql"
    text = path.read_text(encoding="utf-8").replace("%", "%%")
    return re.sub(r"(?<!:):([a-z_]+)\b", r"%(\1)s", text)


def records(cursor: psycopg.Cursor, fetch_size: int) -> Iterator[dict[str, Any]]:
    """One dict per sale line (the SQL is ordered by line then code), codes folded into ``drugtracinfo``."""
    columns = [d.name for d in cursor.description]
    key_at, code_at = columns.index(KEY_COLUMN), columns.index(CODE_COLUMN)
    current: dict[str, Any] | None = None
    while rows := cursor.fetchmany(fetch_size):
        for row in rows:
            if current is None or current[KEY_COLUMN] != row[key_at]:
                if current is not None:
                    yield current
                current = dict(zip(columns, row, strict=True))
                current["drugtracinfo"] = []
            if row[code_at] is not None:
                current["drugtracinfo"].append({"drug_trac_codg": row[code_at]})
    if current is not None:
        yield current


class Poster:
    """POSTs 医保-like envelopes over one keep-alive session (no signing, no answer checking beyond infcode)."""

    def __init__(self, endpoint: str) -> None:
        self.url = endpoint.rstrip("/") + CALL_PATH
        self.session = requests.Session()
        self.serial = 0
        self.messages = 0
        self.sign_no = ""

    def envelope(self, infno: str, node: str, body: Any) -> dict[str, Any]:
        self.serial += 1
        now = datetime.now()
        return {
            "infno": infno, "msgid": f"{FIXMEDINS_CODE}{now:%Y%m%d%H%M%S}{self.serial:04d}",
            "mdtrtarea_admvs": "360100", "insuplc_admdvs": "", "recer_sys_code": "his", "dev_no": "",
            "dev_safe_info": "", "cainfo": "", "signtype": "", "infver": "V1.0", "opter_type": "1",
            "opter": "bench", "opter_name": "基准测试", "inf_time": f"{now:%Y-%m-%d %H:%M:%S}",
            "fixmedins_code": FIXMEDINS_CODE, "fixmedins_name": "南昌市第一医院", "sign_no": self.sign_no,
            "input": {node: body},
        }

    def post(self, infno: str, node: str, body: Any) -> dict[str, Any]:
        text = json.dumps(self.envelope(infno, node, body), ensure_ascii=False, separators=(",", ":"), default=str)
        response = self.session.post(self.url, data=text.encode("utf-8"),
                                     headers={"Content-Type": "application/json;charset=utf-8"}, timeout=(5, 30))
        response.raise_for_status()
        answer = response.json()
        if answer.get("infcode") not in (0, "0"):
            raise RuntimeError(f"{infno} answered infcode {answer.get('infcode')}")
        self.messages += 1
        return answer

    def sign_in(self) -> None:
        answer = self.post("9001", "signIn", {"opter_no": "bench", "mac": "", "ip": "127.0.0.1"})
        self.sign_no = answer["output"]["signinoutb"]["sign_no"]

    def send_batch(self, batch: Sequence[dict[str, Any]]) -> None:
        self.post("3505A", "selinfoDetail", list(batch))

    def close(self) -> None:
        self.session.close()


def bare_loop(his_url: str, endpoint: str, window: tuple[datetime, datetime], batch_size: int,
              fetch_size: int) -> dict[str, Any]:
    """Read the window's sale records and POST them in ``batch_size`` batches; the counts and the seconds."""
    poster = Poster(endpoint)
    n_records = 0
    t0 = time.perf_counter()
    try:
        poster.sign_in()
        with psycopg.connect(his_url) as conn, conn.cursor(name="bench_sale") as cursor:
            cursor.execute(load_sql(), {"window_start": window[0], "window_end": window[1]})
            batch: list[dict[str, Any]] = []
            for record in records(cursor, fetch_size):
                batch.append(record)
                if len(batch) == batch_size:
                    poster.send_batch(batch)
                    n_records, batch = n_records + len(batch), []
            if batch:
                poster.send_batch(batch)
                n_records += len(batch)
            sql_rows = cursor.rownumber or 0
    finally:
        poster.close()
    seconds = time.perf_counter() - t0
    return {"records": n_records, "sql_rows": sql_rows, "messages": poster.messages, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("his_url", help="libpq URL of the demo HIS")
    parser.add_argument("endpoint", help="base URL of the accept-all endpoint")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--fetch-size", type=int, default=2000)
    args = parser.parse_args()
    baseline = rss_mb()
    result = bare_loop(args.his_url, args.endpoint, demo_window(), args.batch_size, args.fetch_size)
    emit_result({**result, "baseline_mb": baseline, "peak_mb": peak_rss_mb()})


if __name__ == "__main__":
    main()
