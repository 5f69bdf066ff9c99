"""``state_file``: the city-brain receiver answers after a restart as it did before — an eventId pushed before
is a duplicate after it, a visit's order (and a late event) continues, history records count their receipts,
the batch journal still proves which pages arrived twice. Nonces are the process's: not kept."""

from __future__ import annotations

from simulators.city_brain import samples
from simulators.city_brain.server import CityBrainSimulatorServer
from tests.simulators.city_brain._support import APP_ID, SECRET, Admin


def _server(state_file) -> CityBrainSimulatorServer:
    return CityBrainSimulatorServer(app_id=APP_ID, secret=SECRET, sign_type="SM3", state_file=state_file)


def _answers(admin: Admin) -> dict:
    return {"events": admin.get("events"), "visits": admin.get("visits"), "history": admin.get("history"),
            "batches": admin.get("history/batches"), "journal": admin.get("journal"),
            "state": {k: v for k, v in admin.get("state").items() if k not in ("now", "nonces_seen")}}  # fmt: skip


def test_a_restarted_receiver_answers_as_before(tmp_path) -> None:
    state_file = tmp_path / "city_brain_simulator_state.json"
    first, second, third = samples.journey_events()[:3]
    with _server(state_file) as sim:
        pusher = sim.pusher()
        assert pusher.call("notify", first).ok and pusher.call("notify", third).ok
        assert pusher.call("history", samples.history("visit", batch_no="p1")).ok
        before = _answers(Admin(sim.url))

    with _server(state_file) as sim:
        admin, pusher = Admin(sim.url), sim.pusher()
        assert _answers(admin) == before
        assert pusher.call("notify", first).data == {"eventId": first["eventId"], "duplicate": True}
        assert pusher.call("notify", second).ok  # earlier than the third, received before the restart: late
        (visit,) = admin.get("visits")
        assert [e["eventId"] for e in visit["events"]] == [first["eventId"], third["eventId"], second["eventId"]]
        assert visit["late"] == 1
        assert pusher.call("history", samples.history("visit", batch_no="p1")).ok  # the same page again
        assert admin.get("state")["history"]["repeated_batches"] == {"visit/p1": 2}
        (kept,) = admin.get("history", dataType="visit")
        assert kept["receipts"] == 2 and kept["versions"] == 1 and kept["batches"] == ["p1", "p1"]
