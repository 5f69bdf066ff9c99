"""Fixtures for the 医保 client tests: settings, a frozen clock, a client on a recording transport adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.msgid import LocalMsgIds

from .fakes import FIXED_NOW, SETTINGS, CannedAdapter

NONCE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def settings() -> HsaSettings:
    return HsaSettings(**SETTINGS)


@pytest.fixture
def adapter() -> CannedAdapter:
    return CannedAdapter()


@pytest.fixture
def make_client(adapter: CannedAdapter) -> Callable[..., HsaClient]:
    def make(**overrides: Any) -> HsaClient:
        session = requests.Session()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        settings = HsaSettings(**{**SETTINGS, **overrides})
        clock = lambda: FIXED_NOW  # noqa: E731
        return HsaClient(
            settings, session=session, msgids=LocalMsgIds(clock=clock), clock=clock, nonce=lambda: NONCE
        )

    return make


@pytest.fixture
def client(make_client) -> HsaClient:
    """A client with sign-in switched off (most tests are about one exchange)."""
    return make_client(sign_in=False)
