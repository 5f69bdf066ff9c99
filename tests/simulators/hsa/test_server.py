"""SimServer lifecycle, and sanity of the simulator's own spec tables."""

from __future__ import annotations

import time

import requests

from simulators.hsa import spec
from simulators.hsa.server import SimServer


def test_server_starts_and_stops_in_under_a_second() -> None:
    t0 = time.monotonic()
    server = SimServer().start()
    started = time.monotonic()
    assert started - t0 < 1
    assert requests.get(server.url + "/__admin__/state", timeout=5).status_code == 200
    # a kept-alive connection must not hold the shutdown
    session = requests.Session()
    session.get(server.url + "/__admin__/state", timeout=5)
    t1 = time.monotonic()
    server.stop()
    assert time.monotonic() - t1 < 1


def test_two_servers_run_side_by_side() -> None:
    with SimServer() as a, SimServer() as b:
        assert a.url != b.url
        assert a.state is not b.state


def test_catalogue_covers_the_brief() -> None:
    expected = {"9001", "9002", "3507"} | {f"350{i}{s}" for i in range(1, 7) for s in ("", "A")}
    assert set(spec.CATALOGUE) == expected
    for txn in spec.CATALOGUE.values():
        for f in txn.fields:
            assert f.cn, (txn.infno, f.name)
            assert f.type in ("C", "N", "D", "DT", "LIST", "OBJ")
            if f.type == "C":
                assert f.length
            if f.dict_name:
                assert f.dict_name in spec.DICTS


def test_batch_nodes_follow_the_spec_names() -> None:
    assert spec.CATALOGUE["3504A"].node == "purcinfoDetail"
    assert spec.CATALOGUE["3504A"].err_node == "purcinfoErrDetail"
    assert spec.CATALOGUE["3501A"].err_node == "invinfoErrDetail"
    assert spec.CATALOGUE["3506A"].err_node == "selinfoErrDetail"


def test_stop_does_not_wait_for_a_pending_slow_answer() -> None:
    import threading

    from tests.simulators.hsa._support import Client, sel_row

    server = SimServer().start()
    c = Client(server.url)
    c.sign_in()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            c.post(
                c.envelope("3505", {"selinfo": sel_row()}),
                headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay": "10"},
            )
        except requests.exceptions.ConnectionError as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    server.stop()
    assert time.monotonic() - t0 < 1
    t.join(5)
    assert len(errors) == 1  # the client saw the connection go away, as with a dying server


def test_url_needs_a_running_server() -> None:
    import pytest

    with pytest.raises(RuntimeError):
        _ = SimServer().url


def test_secret_is_not_in_repr() -> None:
    from simulators.hsa.state import SimState

    assert "s3cr3t" not in repr(SimState(auth_mode="tif", paasid="p", secret="s3cr3t"))
