"""Settings from the connection's extras: defaults, callers as the guard uses them, and errors that name the
connection and the key."""

from __future__ import annotations

import ipaddress

import pytest

from hisbridge.platforms.city_brain.catalogue import DEFAULT_MAX_DAYS
from hisbridge.platforms.city_brain.settings import settings_from_extras
from tests.unit.platforms.city_brain.support import SECRETS, extras, settings


def test_defaults_are_the_documented_ones() -> None:
    s = settings_from_extras({"callers": {"cb01": {"secret": SECRETS["cb01"], "ips": ["10.0.0.1"]}}})
    assert (s.replay_window_s, s.max_days, s.max_page_size, s.workers) == (300, 31, 200, 1)
    caller = s.by_app_id["cb01"]
    assert (caller.sign_type, caller.rate_per_s, caller.burst, caller.enabled) == ("SM3", 100, 200, True)
    assert caller.secret == SECRETS["cb01"]
    assert caller.allows(ipaddress.ip_address("10.0.0.1")) and not caller.allows(ipaddress.ip_address("10.0.0.2"))


def test_only_enabled_callers_open_the_first_allow_list() -> None:
    nets = {str(n) for n in settings().allowed_networks}
    assert nets == {"10.0.0.0/8", "127.0.0.1/32", "192.168.1.0/24"}  # "off" adds nothing of its own


def test_workers_from_serve_win_over_the_connection() -> None:
    assert settings_from_extras(extras(workers=2), workers=4).workers == 4


def test_an_endpoint_keeping_the_default_limit_follows_the_site() -> None:
    s = settings(max_days=92)
    assert s.max_days_for(DEFAULT_MAX_DAYS, DEFAULT_MAX_DAYS) == 92
    assert s.max_days_for(7, DEFAULT_MAX_DAYS) == 7
    assert s.max_days_for(None, DEFAULT_MAX_DAYS) is None


@pytest.mark.parametrize(("change", "named"), [
    ({"callers": {}}, "callers"),
    ({"callers": {"cb01": {"secret": "short", "ips": ["10.0.0.1"]}}}, "callers.cb01.secret"),
    ({"callers": {"cb01": {"secret": SECRETS["cb01"], "ips": []}}}, "callers.cb01.ips"),
    ({"callers": {"cb01": {"secret": SECRETS["cb01"], "ips": ["10.0.0.300"]}}}, "callers.cb01.ips"),
    ({"callers": {"cb01": {"secret": SECRETS["cb01"], "ips": ["10.0.0.1"], "sign_type": "MD5"}}},
     "callers.cb01.sign_type"),
    ({"callers": {"cb01": {"secret": SECRETS["cb01"], "ips": ["10.0.0.1"], "rate": 5}}}, "callers.cb01.rate"),
    ({"callers": {"cb 01": {"secret": SECRETS["cb01"], "ips": ["10.0.0.1"]}}}, "callers"),
    ({"max_page_size": 500}, "max_page_size"),
    ({"workers": 0}, "workers"),
    ({"trusted_proxies": ["proxy.local"]}, "trusted_proxies"),
    ({"replay_window": 300}, "replay_window"),
])
def test_a_wrong_setting_names_the_connection_and_the_key(change: dict, named: str) -> None:
    with pytest.raises(ValueError) as wrong:
        settings_from_extras({**extras(), **change}, "city_brain_api")
    message = str(wrong.value)
    assert message.startswith("connection 'city_brain_api': ") and f"{named}" in message
    assert SECRETS["cb01"] not in message  # never the secret, even when something near it is wrong
