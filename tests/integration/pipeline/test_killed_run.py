"""A task process killed mid-send (SIGKILL: no finally, no clean-up) frees its lease at once, and the next run
resolves the message it left in flight as an unknown outcome: corrected, then sent again, never twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hisbridge.ledger import schema as ls
from simulators.hsa.faults import FaultRule

from .conftest import SECRET, make_sender, run
from .test_uncertain_corrections import _assert_platform_is_the_ledger

ROOT = Path(__file__).resolve().parents[3]

CHILD = r"""
import sys
from datetime import date, datetime, timedelta
his_url, ledger_url, sim_url, secret = sys.argv[1:5]
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.msgid import CounterMsgIds
from hisbridge.platforms.hsa.sender import HsaSender
ledger = Ledger(make_engine(ledger_url))
settings = HsaSettings(base_url=sim_url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                       mdtrtarea_admvs="360100", recer_sys_code="his", auth="tif", paasid="hb-test", secret=secret,
                       opter="hisbridge", opter_name="数据集成平台", ip="127.0.0.1", read_timeout=120)
sender = HsaSender(HsaClient(settings, msgids=CounterMsgIds(ledger.next_value)))
start = datetime(2026, 11, 24)
run_feed(load_feed_spec("hsa_trace_sale"), make_engine(his_url), ledger, sender, (start, start + timedelta(days=1)),
         RunSettings(run_id="killed", batch_size=25))
"""


def _wait_for_in_flight(ledger, child: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert child.poll() is None, "the task process ended before it sent anything"
        if any(m["outcome"] == "in_flight" for m in ledger.messages("hsa_trace_sale")):
            return
        time.sleep(0.1)
    raise AssertionError("no message went in flight")


@pytest.mark.parametrize("fresh_his", ["postgres"], indirect=True)
def test_a_killed_run_frees_its_lease_and_its_in_flight_message_is_resolved(fresh_his, fresh_ledger, sim):
    ledger = fresh_ledger
    sim.faults.add(FaultRule(kind="slow", times=1, infno="3505A", delay_s=60))  # stored, then answers late
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'plugins'}{os.pathsep}{ROOT}")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, fresh_his.engine.url.render_as_string(hide_password=False),
         ledger.engine.url.render_as_string(hide_password=False), sim.url, SECRET], env=env)
    try:
        _wait_for_in_flight(ledger, child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    sim.faults.clear()
    # the message on the wire, and those queued behind it that were already recorded as leaving (the ledger
    # cannot tell which of them left: all are uncertain)
    stuck = [m for m in ledger.messages("hsa_trace_sale") if m["outcome"] == "in_flight"]
    assert 1 <= len(stuck) <= 4
    assert ledger.counts("hsa_trace_sale")["hsa_trace_sale"][ls.SENT] == sum(m["record_count"] for m in stuck)

    started = time.monotonic()
    summary = run("hsa_trace_sale", fresh_his, ledger, make_sender(sim, ledger), run_id="retry", lease_wait_s=5)

    assert time.monotonic() - started < 60, "the retry did not wait for the dead holder's lease"
    assert summary.in_flight_resolved == len(stuck) and summary.halted is None
    for message in stuck:
        resolved = ledger.message(message["msgid"])
        assert resolved["outcome"] == "unknown" and "died" in resolved["err_msg"]
    assert ledger.counts("hsa_trace_sale")["hsa_trace_sale"].get(ls.SENT, 0) == 0
    _assert_platform_is_the_ledger(sim, ledger)
