"""Where a notice goes: a chat robot's webhook (企业微信 or 钉钉) or e-mail, each configured by an Airflow connection.

**Webhook** (``hisbridge_alert_webhook``, conn_type ``http``)::

    schema/host/port   the robot's server (host may be a whole URL: https://qyapi.weixin.qq.com)
    password           企业微信: the robot's ``key`` · 钉钉: the robot's ``access_token``
    extra.format       ``wecom`` (default) or ``dingtalk``
    extra.secret       钉钉 加签 secret (SEC…): each post carries ``timestamp`` and ``sign`` =
                       base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))
    extra.path         default ``/cgi-bin/webhook/send`` (企业微信) or ``/robot/send`` (钉钉)
    extra.timeout      seconds, default 10

A robot answers HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; anything else (another errcode, an HTTP error, no
answer) is a failed delivery, recorded with the robot's words, and the next check tries again.

**E-mail** (``hisbridge_alert_smtp``, conn_type ``smtp``, Airflow's SMTP provider ``SmtpHook``): host, port,
login/password; extra ``from_email``, ``to`` (a list or comma-separated addresses), ``disable_ssl`` /
``disable_tls`` as the provider reads them.

Secrets live in the connection only; no log line carries the key, the token or the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import quote_plus

from hisbridge.ops.alerts.message import Notice

if TYPE_CHECKING:
    import requests

log = logging.getLogger("hisbridge.alerts")

DEFAULT_PATHS = {"wecom": "/cgi-bin/webhook/send", "dingtalk": "/robot/send"}
TOKEN_PARAMS = {"wecom": "key", "dingtalk": "access_token"}


class ChannelNotConfigured(LookupError):
    """The channel's connection does not exist: the notice is skipped (and recorded so)."""


class DeliveryFailed(RuntimeError):
    """The channel did not take the notice (the reason has no secret in it)."""


class Sender(Protocol):
    def send(self, notice: Notice) -> None: ...


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), URL-encoded as the robot expects."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


@dataclass(frozen=True)
class WebhookSettings:
    base_url: str
    token: str | None
    format: Literal["wecom", "dingtalk"] = "wecom"
    secret: str | None = None
    path: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_connection(cls, conn) -> WebhookSettings:
        extra = conn.extra_dejson or {}
        fmt = extra.get("format", "wecom")
        if fmt not in DEFAULT_PATHS:
            raise ValueError(f"connection {conn.conn_id!r}: extra.format must be wecom or dingtalk, not {fmt!r}")
        host = (conn.host or "").rstrip("/")
        if not host:
            raise ValueError(f"connection {conn.conn_id!r}: host (the robot's server) is empty")
        if "://" in host:
            base = host
        else:
            base = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        return cls(base_url=base, token=conn.password or extra.get("token"), format=fmt,
                   secret=extra.get("secret") or None, path=extra.get("path"),
                   timeout=float(extra.get("timeout", 10)))  # fmt: skip

    def url_and_params(self, now_ms: int | None = None) -> tuple[str, dict[str, str]]:
        params: dict[str, str] = {}
        if self.token:
            params[TOKEN_PARAMS[self.format]] = self.token
        if self.format == "dingtalk" and self.secret:
            ts = now_ms if now_ms is not None else int(time.time() * 1000)
            params["timestamp"] = str(ts)
            params["sign"] = dingtalk_sign(self.secret, ts)
        return self.base_url + (self.path or DEFAULT_PATHS[self.format]), params


class WebhookSender:
    """Posts a notice to a robot. ``session`` is the test seam (and keeps one connection pool)."""

    def __init__(self, settings: WebhookSettings, session: requests.Session | None = None) -> None:
        import requests  # here, not at module level: DAG files import the notifiers at parse time

        self.settings = settings
        self.session = session or requests.Session()

    def send(self, notice: Notice) -> None:
        import requests

        s = self.settings
        body = notice.wecom() if s.format == "wecom" else notice.dingtalk()
        url, params = s.url_and_params()
        # the sign is already URL-encoded (as 钉钉 documents it): build the query by hand so it is not encoded twice
        query = "&".join(f"{k}={v if k == 'sign' else quote_plus(v)}" for k, v in params.items())
        try:
            answer = self.session.post(f"{url}?{query}" if query else url, json=body, timeout=s.timeout)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{s.format} robot unreachable: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise DeliveryFailed(f"{s.format} robot answered HTTP {answer.status_code}")
        try:
            data = answer.json()
        except ValueError:
            raise DeliveryFailed(f"{s.format} robot answered no JSON") from None
        if not isinstance(data, dict) or data.get("errcode") != 0:
            words = data.get("errmsg") if isinstance(data, dict) else None
            code = data.get("errcode") if isinstance(data, dict) else None
            raise DeliveryFailed(f"{s.format} robot refused: errcode={code} {str(words)[:200]}")


class EmailSender:
    """Sends a notice through Airflow's SMTP provider (``SmtpHook``) on connection ``conn_id``."""

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id

    def send(self, notice: Notice) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        hook = SmtpHook(smtp_conn_id=self.conn_id)
        try:
            with hook as smtp:
                recipients = _recipients(smtp.conn.extra_dejson.get("to"))
                if not recipients:
                    raise DeliveryFailed(f"connection {self.conn_id!r}: extra.to names no recipient")
                smtp.send_email_smtp(to=recipients, subject=notice.email_subject(), html_content=notice.email_html(),
                                     mime_subtype="alternative")  # fmt: skip
        except DeliveryFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - smtplib, socket and provider errors alike mean "not delivered"
            raise DeliveryFailed(f"e-mail not sent: {type(exc).__name__}: {str(exc)[:200]}") from None


def _recipients(value: object) -> list[str]:
    if isinstance(value, str):
        return [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]
    if isinstance(value, list | tuple):
        return [str(a).strip() for a in value if str(a).strip()]
    return []


def connection(conn_id: str):
    """The Airflow connection ``conn_id``, or :class:`ChannelNotConfigured`."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise ChannelNotConfigured(f"connection {conn_id!r} is not defined") from None


def sender_for(kind: str, conn_id: str, get_connection: Callable[[str], object] = connection) -> Sender:
    """The sender of a channel of ``kind`` (``webhook`` | ``email``) on connection ``conn_id``."""
    if kind == "webhook":
        return WebhookSender(WebhookSettings.from_connection(get_connection(conn_id)))
    if kind == "email":
        get_connection(conn_id)  # not configured → skipped, not failed
        return EmailSender(conn_id)
    raise ValueError(f"unknown channel type {kind!r}")
