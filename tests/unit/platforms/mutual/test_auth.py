"""Authentication headers: none, a bearer token, or an HMAC signature over app id, timestamp, nonce and the raw
body — recomputed here independently of the module, and checked on what the client really sends."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from hisbridge.platforms.mutual.auth import auth_headers, hmac_headers, redact

from .fakes import accepted, answer, canned_client
from .support import LAB_REPORT, REVOKE


def _independent_signature(key: str, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(key.encode(), digestmod=hashlib.sha256)
    for part in (app_id.encode(), timestamp.encode(), nonce.encode(), body):
        mac.update(part)
    return mac.hexdigest()


def test_none_sends_no_headers() -> None:
    assert auth_headers("none", app_id=None, secret=None, body=b"{}", now=0) == {}


def test_token_is_a_bearer_header() -> None:
    assert auth_headers("token", app_id=None, secret="tk-1", body=b"{}", now=0) == {"Authorization": "Bearer tk-1"}


def test_hmac_signs_app_id_timestamp_nonce_and_the_raw_body() -> None:
    body = b'{"orgCode":"360102001","data":[]}'
    headers = hmac_headers("his-app", "k3y", body=body, timestamp_ms=1772409600123, nonce="ab" * 16)
    assert headers["X-App-Id"] == "his-app" and headers["X-Timestamp"] == "1772409600123"
    assert headers["X-Nonce"] == "ab" * 16
    assert headers["X-Signature"] == _independent_signature("k3y", "his-app", "1772409600123", "ab" * 16, body)
    # a known vector, so that a change of the algorithm cannot pass by changing both sides
    assert headers["X-Signature"] == hmac.new(b"k3y", b"his-app1772409600123" + b"ab" * 16 + body,
                                              hashlib.sha256).hexdigest()


def test_hmac_timestamp_is_epoch_milliseconds() -> None:
    headers = auth_headers("hmac", app_id="a", secret="s", body=b"", now=1772409600.1234, nonce=lambda: "n")
    assert headers["X-Timestamp"] == "1772409600123"


@pytest.mark.parametrize(("scheme", "app_id", "secret", "message"), [
    ("token", None, None, "password"), ("hmac", None, "s", "login"), ("hmac", "a", "", "password"),
    ("basic", "a", "s", "unknown auth"),
])
def test_missing_credentials_are_named(scheme, app_id, secret, message) -> None:
    with pytest.raises(ValueError, match=message):
        auth_headers(scheme, app_id=app_id, secret=secret, body=b"", now=0)


def test_redact_hides_the_signature_and_the_token() -> None:
    assert redact({"Authorization": "Bearer x", "X-Signature": "abc", "X-Nonce": "n"}) == {
        "Authorization": "***", "X-Signature": "***", "X-Nonce": "n"}


def test_the_client_signs_exactly_the_bytes_it_sends_with_a_new_nonce_each_time() -> None:
    client, adapter = canned_client(accepted(1), answer(), auth="hmac", app_id="his-app", secret="k3y",
                                    clock=lambda: 1772409600.5)
    client.upload("uploadLabReport", [LAB_REPORT])
    from hisbridge.platforms.mutual.models import RevokeNonRecognition

    exchange = client.record("revokeNonRecognition", RevokeNonRecognition.model_validate(REVOKE))
    nonces = set()
    for sent in adapter.sent:
        h = sent.request.headers
        assert h["X-App-Id"] == "his-app" and h["X-Timestamp"] == "1772409600500"
        assert h["X-Signature"] == _independent_signature("k3y", "his-app", h["X-Timestamp"], h["X-Nonce"],
                                                          sent.request.body)
        nonces.add(h["X-Nonce"])
    assert len(nonces) == 2 and all(len(n) == 32 for n in nonces)
    assert exchange.request_headers["X-Signature"] == "***" and exchange.request_headers["X-App-Id"] == "his-app"


def test_the_client_sends_the_token_but_never_keeps_it() -> None:
    client, adapter = canned_client(accepted(1), auth="token", secret="tk-secret")
    result = client.upload("uploadLabReport", [LAB_REPORT])
    assert adapter.sent[0].request.headers["Authorization"] == "Bearer tk-secret"
    assert result.exchange.request_headers["Authorization"] == "***"
    assert "tk-secret" not in repr(client.settings)
