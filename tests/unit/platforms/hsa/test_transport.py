"""Transport faults through the real requests/urllib3 stack, against throw-away sockets on 127.0.0.1.

The canned-adapter tests raise the exceptions requests is expected to raise; these check that the real stack
raises them in the situations that matter (nothing listening, peer hangs up after reading, peer never answers).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from hisbridge.platforms.hsa import models as m
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.errors import NotSent, OutcomeUnknown

from .fakes import SETTINGS


def client_for(port: int, **overrides) -> HsaClient:
    settings = HsaSettings(
        **{
            **SETTINGS,
            "base_url": f"http://127.0.0.1:{port}",
            "sign_in": False,
            "connect_timeout": 1.0,
            "read_timeout": 0.3,
            **overrides,
        }
    )
    return HsaClient(settings)


def delete() -> m.InventoryDelete:
    return m.InventoryDelete(fixmedins_bchno="B1", inv_data_type="4")


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[socket.socket], None]], int]]:
    """Start a one-connection TCP server running ``handler(conn)``; returns its port."""
    servers: list[tuple[socket.socket, threading.Thread]] = []

    def start(handler: Callable[[socket.socket], None]) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)

        def run() -> None:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                handler(conn)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        servers.append((listener, thread))
        return listener.getsockname()[1]

    yield start
    for listener, thread in servers:
        listener.close()
        thread.join(5)


def read_request(conn: socket.socket) -> None:
    conn.settimeout(2)
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += conn.recv(65536)


def test_nothing_listening_is_not_sent():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(NotSent):
        client_for(port).call("3507", delete())


def test_peer_closing_after_reading_the_request_makes_the_outcome_unknown(serve):
    port = serve(read_request)  # reads everything, then hangs up without answering
    with pytest.raises(OutcomeUnknown) as info:
        client_for(port, read_timeout=5).call("3507", delete())
    assert info.value.exchange.error == "ConnectionError"


def test_peer_never_answering_makes_the_outcome_unknown(serve):
    hold = threading.Event()

    def read_and_wait(conn: socket.socket) -> None:
        read_request(conn)
        hold.wait(5)  # keeps the connection open past the read timeout

    port = serve(read_and_wait)
    try:
        with pytest.raises(OutcomeUnknown) as info:
            client_for(port, read_timeout=0.2).call("3507", delete())
    finally:
        hold.set()
    assert info.value.exchange.error == "ReadTimeout"


def test_a_real_answer_goes_through(serve):
    def answer(conn: socket.socket) -> None:
        read_request(conn)
        body = '{"infcode":0,"output":{"result":{"retRslt":"1","msgRslt":"成功"}}}'.encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    port = serve(answer)
    answer_ = client_for(port).call("3507", delete())
    assert answer_.ok and answer_.msg_rslt == "成功"
