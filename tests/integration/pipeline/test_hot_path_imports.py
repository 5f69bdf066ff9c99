"""A 5-minute window of the sale feed, as a task runs it, loads neither pandas nor Great Expectations: every
window would pay seconds of imports for them (288 windows a day per feed). GX runs in the nightly quality DAG."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import SECRET

ROOT = Path(__file__).resolve().parents[3]

CHILD = r"""
import json, sys
from datetime import datetime
his_path, ledger_path, sim_url, secret = sys.argv[1:5]
from demo.his.generate import generate
from hisbridge.db import make_engine, sqlite_url
from hisbridge.ledger.store import Ledger
from hisbridge.operators import FeedOperator  # what a worker imports to run the task
from hisbridge.pipeline.run import RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.msgid import CounterMsgIds
from hisbridge.platforms.hsa.sender import HsaSender
his = make_engine(sqlite_url(his_path))
generate(his, datetime(2026, 11, 24).date(), 60, seed=3)
ledger = Ledger(make_engine(sqlite_url(ledger_path)))
ledger.ensure_schema()
settings = HsaSettings(base_url=sim_url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                       mdtrtarea_admvs="360100", recer_sys_code="his", auth="tif", paasid="hb-test", secret=secret,
                       opter="hisbridge", opter_name="数据集成平台", ip="127.0.0.1")
sender = HsaSender(HsaClient(settings, msgids=CounterMsgIds(ledger.next_value)))
summary = run_feed(load_feed_spec("hsa_trace_sale"), his, ledger, sender,
                   (datetime(2026, 11, 24, 10, 0), datetime(2026, 11, 24, 10, 5)), RunSettings(run_id="w"))
loaded = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("pandas", "great_expectations")})
print(json.dumps({"selected": summary.selected, "messages": summary.messages, "loaded": loaded}))
"""


def test_a_five_minute_window_imports_neither_pandas_nor_great_expectations(tmp_path, sim) -> None:
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'plugins'}{os.pathsep}{ROOT}")
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "his.db"), str(tmp_path / "ledger.db"),
                          sim.url, SECRET], env=env, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["selected"] > 0 and result["messages"] > 0, result  # the window really had work in it
    assert result["loaded"] == []
