"""``--state FILE`` for every stateful simulator (:mod:`simulators.persist`): a real process stopped by SIGTERM
and started again still knows what it received; a half-written or foreign file is refused by name and left
alone; a write leaves the old file or the new one, never a mixture."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from simulators.cdc.persist import CDC
from simulators.cdc.samples import sample
from simulators.cdc.state import SimState as CdcState
from simulators.city_brain import samples as brain_samples
from simulators.city_brain.caller import CityBrainCaller
from simulators.city_brain.persist import CITY_BRAIN
from simulators.city_brain.server import DEMO_APP_ID, DEMO_SECRET
from simulators.city_brain.state import SimState as BrainState
from simulators.hsa.persist import HSA
from simulators.hsa.state import SimState as HsaState
from simulators.mutual.persist import MUTUAL
from simulators.mutual.samples import OUR_ORG, row
from simulators.mutual.state import SimState as MutualState
from simulators.persist import StateFileError, StateFormat, StatePersister, write_atomically

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(module: str, port: int, state_file: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), "--log-level", "warning", "--state", str(state_file)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, f"{module} did not come up"
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)  # as make airflow's Ctrl-C / kill does
    proc.wait(15)
    return proc.stderr.read().decode() if proc.stderr else ""


# ---------------------------------------------------------------------------------------------- one real process each
# Each case: what to send (twice: before the restart it is new, after it the simulator must recognise it) and how
# to read the simulator's own view of what it holds.


def _mutual_send(url: str) -> Any:
    body = {"orgCode": OUR_ORG.code, "data": [row("uploadRegistration")]}
    answer = requests.post(f"{url}/api/v1/uploadRegistration", json=body, timeout=5).json()
    assert answer["code"] == "00000" and answer["data"]["accepted"] == 1, answer
    return requests.get(f"{url}/admin/data", params={"dataType": "registration"}, timeout=5).json()["data"]


def _cdc_send(url: str) -> Any:
    reply = requests.post(f"{url}/hclient/emr/receive/emrPatientInfo", json=sample("emrPatientInfo"), timeout=5).json()
    assert reply["result"] is True, reply
    return requests.get(f"{url}/__admin__/records/emrPatientInfo", timeout=5).json()


def _brain_send(url: str) -> Any:
    reply = CityBrainCaller(url, DEMO_APP_ID, DEMO_SECRET, sign_type="SM3", prefix="/api/v1", timeout=5).call(
        "notify", brain_samples.notify())
    assert reply.ok, reply.message
    return reply.data


def _hsa_send(url: str) -> Any:
    from tests.simulators.hsa._support import Client

    c = Client(url)
    c.sign_in()
    return c.admin("state")["active_sign_ins"]


@dataclass
class Case:
    module: str
    send: Callable[[str], Any]
    again: Callable[[Any, Any], None]  # (answer before the restart, answer after it) -> assertions


def _mutual_again(before: Any, after: Any) -> None:
    (first,), (second,) = before, after
    assert (first["versions"], first["duplicates"]) == (1, 0)
    assert (second["versions"], second["duplicates"]) == (2, 1)  # the same row again: a duplicate of the kept one
    assert second["first_received_at"] == first["first_received_at"]


def _cdc_again(before: Any, after: Any) -> None:
    (first,), (second,) = before, after
    assert (first["versions"], first["duplicates"]) == (1, 0) and (second["versions"], second["duplicates"]) == (2, 1)


def _brain_again(before: Any, after: Any) -> None:
    assert before == {"eventId": "REGISTERED:R20250615001", "duplicate": False}
    assert after == {"eventId": "REGISTERED:R20250615001", "duplicate": True}


def _hsa_again(before: Any, after: Any) -> None:
    assert (before, after) == (1, 2)  # the first sign-in is still there next to the new one


CASES = {
    "mutual": Case("simulators.mutual", _mutual_send, _mutual_again),
    "cdc": Case("simulators.cdc", _cdc_send, _cdc_again),
    "city_brain": Case("simulators.city_brain", _brain_send, _brain_again),
    "hsa": Case("simulators.hsa", _hsa_send, _hsa_again),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_restarted_simulator_process_recognises_what_it_received_before(tmp_path, name: str) -> None:
    case = CASES[name]
    state_file = tmp_path / "var" / f"{name}_simulator_state.json"
    port = _free_port()
    proc = _start(case.module, port, state_file)
    try:
        before = case.send(f"http://127.0.0.1:{port}")
    finally:
        err = _stop(proc)
    assert f"state {state_file}: new" in err
    assert json.loads(state_file.read_text(encoding="utf-8"))["simulator"] == name

    proc = _start(case.module, port, state_file)
    try:
        after = case.send(f"http://127.0.0.1:{port}")
    finally:
        err = _stop(proc)
    assert f"state {state_file}: loaded" in err
    case.again(before, after)
    assert not list(state_file.parent.glob(".*.tmp"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_half_written_state_file_stops_the_process_by_name_and_is_left_alone(tmp_path, name: str) -> None:
    bad = tmp_path / f"{name}.json"
    bad.write_text(f'{{"format": 1, "simulator": "{name}", "memory": {{"rows": [', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", CASES[name].module, "--port", str(_free_port()), "--state", str(bad)],
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "bad --state" in proc.stderr and str(bad) in proc.stderr and "move the file away" in proc.stderr
    assert bad.read_text(encoding="utf-8").endswith('"rows": [')


# ---------------------------------------------------------------------------------------------- the file format

FORMATS: dict[str, tuple[StateFormat[Any], Callable[[], Any]]] = {
    "hsa": (HSA, HsaState), "mutual": (MUTUAL, MutualState), "cdc": (CDC, CdcState), "city_brain": (CITY_BRAIN, BrainState),
}  # fmt: skip


def _filled(name: str) -> Any:
    """A state with something of each kind in it, filled through the simulators' own methods."""
    fmt, make = FORMATS[name]
    state = make()
    if name == "mutual":
        from simulators.mutual import spec as mspec
        from simulators.mutual.samples import SAMPLE_REPORT, record

        state.upsert_row(mspec.BY_OP["uploadLabReport"], row("uploadLabReport"))
        state.upsert_row(mspec.BY_OP["uploadRegistration"], row("uploadRegistration"))
        state.delete_row("360102001", "registration", "GH20250614001")
        state.add_reports([SAMPLE_REPORT])
        state.put_record("reminder", "a" * 32, record("uploadReminderRecords"), report_known=True)
        state.journal_add({"op": "uploadLabReport", "answer": {"code": "00000"}})
    elif name == "cdc":
        from simulators.cdc import spec as cspec

        state.upsert(cspec.BY_ENTITY["emrPatientInfo"], sample("emrPatientInfo"))
        state.journal_add({"entity": "emrPatientInfo", "id": "P001", "request": sample("emrPatientInfo")})
    elif name == "city_brain":
        state.receive_event(brain_samples.notify())
        state.receive_batch("360102001", "visit", "p1", [brain_samples.record("visit")], [])
        state.journal_add({"op": "notify"})
    else:
        state.sign_in("H36010000001", "001", "张三")
        state.settlement.add_settlement(setl_id="S1", mdtrt_id="M1", psn_no="P1", setl_time="2026-11-24 10:00:00",
                                        medfee_sumamt="123.40", fund_pay_sumamt="80.12", acct_pay="10")
    return state


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_state_round_trips_to_the_same_text(name: str, tmp_path) -> None:
    fmt, make = FORMATS[name]
    state = _filled(name)
    text = fmt.dumps(state)
    path = tmp_path / "s.json"
    fmt.save(state, path)
    back = make()
    assert fmt.load(back, path) is True
    assert fmt.dumps(back) == text

    def timeless(summary: dict[str, Any]) -> dict[str, Any]:  # the clock is the process's, not the memory's
        return {k: v for k, v in summary.items() if k not in ("clock", "now")}

    assert timeless(back.summary()) == timeless(state.summary())


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_truncation_of_a_state_file_is_refused_and_the_state_left_as_it_was(name: str, tmp_path) -> None:
    fmt, make = FORMATS[name]
    text = fmt.dumps(_filled(name))
    target = make()
    empty = fmt.dumps(target)
    path = tmp_path / "half.json"
    for cut in sorted({1, len(text) // 4, len(text) // 2, len(text) - 2, len(text) - 1}):
        path.write_text(text[:cut], encoding="utf-8")
        with pytest.raises(StateFileError, match=str(path)):
            fmt.load(target, path)
        assert path.read_text(encoding="utf-8") == text[:cut]
        assert fmt.dumps(target) == empty


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_file_of_another_simulator_or_format_is_refused(name: str, tmp_path) -> None:
    fmt, make = FORMATS[name]
    other = next(n for n in FORMATS if n != name)
    path = tmp_path / "other.json"
    path.write_text(FORMATS[other][0].dumps(_filled(other)), encoding="utf-8")
    with pytest.raises(StateFileError, match=f"not a format-1 {fmt.title} simulator state file"):
        fmt.load(make(), path)
    data = json.loads(fmt.dumps(_filled(name)))
    path.write_text(json.dumps({**data, "format": 2}), encoding="utf-8")
    with pytest.raises(StateFileError, match="not a format-1"):
        fmt.load(make(), path)


def test_a_well_formed_file_with_a_wrong_record_is_refused_not_half_loaded(tmp_path) -> None:
    data = json.loads(CITY_BRAIN.dumps(_filled("city_brain")))
    data["memory"]["batches"].append({"__dc__": "Event", "event_id": "x", "data": {}, "seq": 9, "received_at": ""})
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    state = BrainState()
    with pytest.raises(StateFileError, match=r"batches\[1\]: expected Batch, found Event"):
        CITY_BRAIN.load(state, path)
    assert state.events == {} and state.history == {}  # checked before anything was assigned


def test_a_missing_file_is_a_new_memory(tmp_path) -> None:
    state = _filled("cdc")
    before = CDC.dumps(state)
    assert CDC.load(state, tmp_path / "absent.json") is False
    assert CDC.dumps(state) == before


def test_tagged_values_and_lookalike_rows(tmp_path) -> None:
    """Decimals, bytes, sets and tuple keys come back as they were; a row that merely has a tag-like key beside
    others stays a dict."""
    state = HsaState()
    state.msgids.add(("H1", "m1"))
    state.journal["m1"] = {"infno": "9001", "__decimal__": "not a tag: it has company", "amount": Decimal("1.20")}
    path = tmp_path / "s.json"
    HSA.save(state, path)
    back = HsaState()
    HSA.load(back, path)
    assert back.msgids == {("H1", "m1")}
    assert back.journal["m1"] == state.journal["m1"] and isinstance(back.journal["m1"]["amount"], Decimal)


# ---------------------------------------------------------------------------------------------- atomic writes


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, '{"old": true}')

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_atomically(path, '{"new": true}' + " " * 100_000)
    assert path.read_text(encoding="utf-8") == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_reader_always_finds_the_old_file_or_the_new_one(tmp_path) -> None:
    """Writes of ~1 MB race a reader: every read parses, and is one of the versions written (never a mixture)."""
    path = tmp_path / "state.json"
    versions = [json.dumps({"v": n, "pad": str(n) * 1_000_000}) for n in range(2)]
    write_atomically(path, versions[0])
    stop = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def read() -> None:
        while not stop.is_set():
            text = path.read_text(encoding="utf-8")
            try:
                seen.append(json.loads(text)["v"])
            except ValueError as exc:
                problems.append(f"{len(text)} characters: {exc}")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(30):
            write_atomically(path, versions[n % 2])
    finally:
        stop.set()
        reader.join(10)
    assert problems == [] and set(seen) <= {0, 1} and seen


def test_the_persister_writes_after_changes_debounced_and_at_close(tmp_path) -> None:
    path = tmp_path / "cdc.json"
    state = CdcState()
    persister = StatePersister(CDC, state, path, interval_s=0.2)
    try:
        from simulators.cdc import spec as cspec

        for n in range(20):
            state.upsert(cspec.BY_ENTITY["emrPatientInfo"], {**sample("emrPatientInfo"), "id": f"P{n}"})
            persister.changed()
            time.sleep(0.01)
        deadline = time.monotonic() + 5
        while persister.writes == 0:
            assert time.monotonic() < deadline, "no write after a change"
            time.sleep(0.02)
        assert persister.writes < 10  # 20 changes in ~0.2 s: debounced, not one write each
    finally:
        state.upsert(cspec.BY_ENTITY["emrPatientInfo"], {**sample("emrPatientInfo"), "id": "LAST"})
        persister.close()
    back = CdcState()
    CDC.load(back, path)
    assert set(back.records["emrPatientInfo"]) == {f"P{n}" for n in range(20)} | {"LAST"}


def test_an_in_process_server_with_a_bad_file_does_not_keep_its_port(tmp_path) -> None:
    from simulators.cdc.server import SimServer

    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    server = SimServer(state_file=bad)
    with pytest.raises(StateFileError, match=str(bad)):
        server.start()
    assert server.port is None
    with SimServer() as fine:  # and a server that keeps nothing still starts as before
        assert requests.get(fine.url + "/__admin__/state", timeout=5).status_code == 200


def test_a_bad_tagged_value_is_refused_by_name(tmp_path) -> None:
    path = tmp_path / "s.json"
    HSA.save(HsaState(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["memory"]["journal"]["m1"] = {"amount": {"__decimal__": "twelve"}}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(StateFileError, match=str(path)):
        HSA.load(HsaState(), path)
