"""``--state FILE``: the 医保 simulator remembers uploads, sign-ins, msgids and settlements across restarts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from simulators.hsa.persist import StateFileError, dump_state, load_state
from simulators.hsa.server import SimServer
from simulators.hsa.settlement import StoredFile
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import Client, sel_row, trace_code

REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int, state_file: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.hsa", "--port", str(port), "--auth", "none", "--log-level", "warning",
         "--state", str(state_file)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/__admin__/state", timeout=1)
            return proc
        except requests.exceptions.ConnectionError:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "simulator process did not come up"
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)  # as make airflow's Ctrl-C / kill does
    proc.wait(15)
    return proc.stderr.read().decode() if proc.stderr else ""


def test_a_restarted_simulator_process_still_has_its_uploads_and_sign_ins(tmp_path) -> None:
    state_file = tmp_path / "var" / "hsa_state.json"
    port = _free_port()
    proc = _start(port, state_file)
    try:
        c = Client(f"http://127.0.0.1:{port}")
        sign_no = c.sign_in()
        code = trace_code()
        sale = c.envelope("3505", {"selinfo": sel_row(code)})
        assert c.post(sale).json()["output"]["result"]["retRslt"] == "1"
        before = c.admin("state")
        records_before = c.admin("records")
    finally:
        _stop(proc)
    assert state_file.is_file()

    proc = _start(port, state_file)
    try:
        c2 = Client(f"http://127.0.0.1:{port}")
        after = c2.admin("state")
        assert after["records"] == before["records"] and after["records"]["4"] == 1
        assert c2.admin("records") == records_before
        assert after["msgids_seen"] == before["msgids_seen"] == 2 and after["sold_codes"] == 1
        assert after["active_sign_ins"] == 1
        # the sign-in of before the restart is still valid, the code still sold, the msgid still used
        c2.sign_no = sign_no
        again = c2.call("3505", {"selinfo": sel_row(code)})
        assert again["infcode"] == 0 and again["output"]["result"]["retRslt"] == "0"
        assert "已销售" in again["output"]["result"]["msgRslt"]
        assert "报文ID重复" in c2.post(sale).json()["err_msg"]
    finally:
        err = _stop(proc)
    assert "loaded 1 records, 1 sign-ins, 2 msgids" in err


def test_reset_empties_the_file_too(tmp_path) -> None:
    state_file = tmp_path / "hsa_state.json"
    with SimServer(SimState(), state_file=state_file) as sim:
        c = Client(sim.url)
        c.sign_in()
        requests.post(sim.url + "/__admin__/reset", timeout=5).raise_for_status()
    fresh = SimState()
    assert load_state(fresh, state_file) is True
    assert fresh.sign_ins == {} and fresh.msgids == set()


def test_in_process_changes_are_written_at_stop_and_settlements_keep_their_decimals_and_files(tmp_path) -> None:
    state_file = tmp_path / "hsa_state.json"
    with SimServer(SimState(), state_file=state_file) as sim:
        Client(sim.url).sign_in()  # through the app: marks the state changed
        store = sim.state.settlement  # directly, as the demo seeds the platform's side of past days
        store.add_settlement(setl_id="S1", mdtrt_id="M1", psn_no="P1", setl_time="2026-11-24 10:00:00",
                             medfee_sumamt="123.40", fund_pay_sumamt="80.12", acct_pay="10")
        store.add_settlement(setl_id="S2", mdtrt_id="M1", psn_no="P1", setl_time="2026-11-24 11:00:00",
                             medfee_sumamt="-123.40", fund_pay_sumamt="-80.12", acct_pay="-10", cancel_of="S1")
        store.files["F1"] = StoredFile("F1", "a.zip", "H36010000001", b"\x00\xffPK", "2026-11-24 10:00:00",
                                       "2026-11-25 10:00:00", "9101")
        expected = dump_state(sim.state)

    assert state_file.read_text(encoding="utf-8") == expected
    back = SimState()
    load_state(back, state_file)
    assert back.settlement.settlements == store.settlements
    assert back.settlement.settlements["S1"].setlinfo["fund_pay_sumamt"] == Decimal("80.12")
    assert back.settlement.settlements["S1"].status == "cancelled"
    assert back.settlement.files["F1"].data == b"\x00\xffPK"
    assert back.settlement.persons == store.persons
    assert dump_state(back) == expected
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, none left behind


def test_an_unreadable_state_file_is_refused_by_name_and_left_alone(tmp_path) -> None:
    bad = tmp_path / "hsa_state.json"
    bad.write_text('{"format": 1, "simulator": "hsa", "memory": {"records": ', encoding="utf-8")
    with pytest.raises(StateFileError, match=str(bad)):
        load_state(SimState(), bad)
    proc = subprocess.run([sys.executable, "-m", "simulators.hsa", "--port", str(_free_port()), "--state", str(bad)],
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "bad --state" in proc.stderr and "move the file away" in proc.stderr
    assert bad.read_text(encoding="utf-8").endswith('"records": ')
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": 1, "simulator": "mutual", "memory": {}}), encoding="utf-8")
    with pytest.raises(StateFileError, match="not a format-1 医保 simulator state file"):
        load_state(SimState(), other)
