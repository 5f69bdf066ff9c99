"""Gateway signatures against values computed by hand (sha256sum / openssl, not this code)."""

from __future__ import annotations

import pytest

from hisbridge.platforms.hsa import auth

SECRET = "s3cr3t-key"
NONCE = "0123456789abcdef0123456789abcdef"

# printf '%s' "1764000000s3cr3t-key0123456789abcdef0123456789abcdef1764000000" | sha256sum
TIF_SIGNATURE = "20eb1b3820a103d90e46ba158f012337bec14a23d2f8138fc859148c5546ce2b"
# printf '%s' "_api_access_key=ak-hisbridge&_api_name=3505&_api_timestamp=1764000000123&_api_version=1.0.0" \
#   | openssl dgst -sha1 -hmac "s3cr3t-key" -binary | base64
CSB_SIGNATURE = "Jv0EH0HP+b8KVxDOiLyhPVvrAWU="


def test_tif_headers_match_a_hand_computed_signature():
    headers = auth.tif_headers("paas-hb", SECRET, timestamp=1764000000, nonce=NONCE)
    assert headers == {
        "x-tif-paasid": "paas-hb",
        "x-tif-timestamp": "1764000000",
        "x-tif-nonce": NONCE,
        "x-tif-signature": TIF_SIGNATURE,
    }


def test_csb_headers_match_a_hand_computed_signature():
    headers = auth.csb_headers("ak-hisbridge", SECRET, api_name="3505", timestamp_ms=1764000000123)
    assert headers == {
        "_api_name": "3505",
        "_api_version": "1.0.0",
        "_api_timestamp": "1764000000123",
        "_api_access_key": "ak-hisbridge",
        "_api_signature": CSB_SIGNATURE,
    }


def test_gateway_headers_use_seconds_for_tif_and_milliseconds_for_csb():
    tif = auth.gateway_headers(
        "tif", infno="3505", paasid="paas-hb", secret=SECRET, now=1764000000.123, nonce=lambda: NONCE
    )
    assert tif["x-tif-timestamp"] == "1764000000" and tif["x-tif-signature"] == TIF_SIGNATURE
    csb = auth.gateway_headers("csb", infno="3505", paasid="ak-hisbridge", secret=SECRET, now=1764000000.123)
    assert csb["_api_timestamp"] == "1764000000123" and csb["_api_signature"] == CSB_SIGNATURE
    assert auth.gateway_headers("none", infno="3505", paasid=None, secret=None, now=0) == {}


def test_csb_api_version_is_configurable_and_signed():
    headers = auth.gateway_headers(
        "csb", infno="3505", paasid="ak-hisbridge", secret=SECRET, now=1764000000.123, csb_api_version="2.0.0"
    )
    assert headers["_api_version"] == "2.0.0"
    assert headers["_api_signature"] != CSB_SIGNATURE


def test_default_nonce_is_uuid4_hex():
    nonce = auth.new_nonce()
    assert len(nonce) == 32 and int(nonce, 16) >= 0 and nonce != auth.new_nonce()


@pytest.mark.parametrize("scheme", ["tif", "csb"])
def test_signing_without_credentials_is_refused(scheme):
    with pytest.raises(ValueError, match="paasid and a secret"):
        auth.gateway_headers(scheme, infno="3505", paasid="x", secret=None, now=0)


def test_redact_hides_signatures_only():
    headers = auth.tif_headers("paas-hb", SECRET, timestamp=1764000000, nonce=NONCE)
    shown = auth.redact(headers)
    assert shown["x-tif-signature"] == "***" and shown["x-tif-paasid"] == "paas-hb"
    assert SECRET not in str(shown)
