"""What stands between a web form and a change to the ledger: a signed form token and the request's origin.

Airflow's UI session is a cookie (``_token``), and cookies are shared by every port of a host: a page served on
``http://host:8080`` can make the browser POST to ``http://host:28080/hisbridge/…`` with the operator's session
attached, and ``SameSite`` does not help (same site). So a form that changes the ledger needs two things the other
page cannot supply:

* **a form token** (synchronizer token, stateless): ``<issued>.<HMAC-SHA256(secret, user|issued)>``, put in the
  form when the page is rendered for that user, valid for :attr:`FormGuard.max_age_s`. The other page cannot read
  ours (the same-origin policy covers the port), so it cannot know a token; a token is bound to the user it was
  made for.
* **the same origin**: ``Origin`` (or, without it, ``Referer``) must be this page's own scheme, host and port — the
  host the request was addressed to, plus any ``trusted_origins`` (a reverse proxy's public address). A POST with
  neither header is refused: every browser sends ``Origin`` on a form POST.

The secret is the site's (the plugin passes Airflow's ``[api] secret_key``): with several API-server workers, a
per-process random secret would refuse a form rendered by another worker.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

DEFAULT_PORTS = {"http": 80, "https": 443}


class FormGuard:
    def __init__(self, secret: bytes | str | None = None, *, max_age_s: int = 8 * 3600,
                 trusted_origins: Iterable[str] = (), clock: Callable[[], float] = time.time) -> None:
        self.secret = secret.encode() if isinstance(secret, str) else (secret or secrets.token_bytes(32))
        self.max_age_s = max_age_s
        self.trusted = {o for o in (_origin(t) for t in trusted_origins) if o}
        self.clock = clock

    # -- the token -----------------------------------------------------------------------------------------
    def token(self, user: str) -> str:
        issued = str(int(self.clock()))
        return f"{issued}.{self._sign(user, issued)}"

    def _sign(self, user: str, issued: str) -> str:
        return hmac.new(self.secret, f"{user}|{issued}".encode(), hashlib.sha256).hexdigest()

    def token_problem(self, user: str, token: str | None) -> str | None:
        """``None`` when ``token`` is one we made for ``user`` and is still fresh, else why not (Chinese)."""
        issued, _, mac = (token or "").partition(".")
        if not issued.isdigit() or not hmac.compare_digest(mac, self._sign(user, issued)):
            return "表单缺少有效的校验码（可能不是从本页面提交的）。请刷新记录页面后重新提交。"
        if self.clock() - int(issued) > self.max_age_s:
            return f"表单已打开超过 {self.max_age_s // 3600} 小时，已失效。请刷新记录页面后重新提交。"
        return None

    # -- the origin ----------------------------------------------------------------------------------------
    def origin_problem(self, request: Request) -> str | None:
        """``None`` when the request comes from a page of this origin, else why not (Chinese)."""
        own = _origin(f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}")
        allowed = {own} | self.trusted
        said = request.headers.get("origin")
        if said and said != "null":
            if _origin(said) in allowed:
                return None
            return f"请求来自其他网站或端口（{said}），不是本页面（{_show(own)}），已拒绝。"
        referer = request.headers.get("referer")
        if referer:
            if _origin(referer) in allowed:
                return None
            return f"请求来自其他网站或端口（{_show(_origin(referer))}），不是本页面（{_show(own)}），已拒绝。"
        return "请求没有来源信息（Origin/Referer），无法确认来自本页面，已拒绝。请在浏览器中从记录页面提交。"


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)


def _show(origin: tuple[str, str, int] | None) -> str:
    return f"{origin[0]}://{origin[1]}:{origin[2]}" if origin else "未知"


def editor_or_none(current_user: Callable[..., Any] | None) -> Callable[..., Any]:
    """A FastAPI dependency naming the user who may act on a page's form, or ``None`` for one who may only look
    (or when the pages run without Airflow's auth): one rule for every page with a form."""
    return _nobody if current_user is None else _viewer_as_none(current_user)


def _nobody() -> None:
    return None


def _viewer_as_none(dependency: Callable[..., Any]) -> Callable[..., Any]:
    """``dependency`` with a 403 of its own meaning "this user may only look" (``None``): an editor check that
    refuses viewers outright (as the plugin's did) must not keep them from the page, only from the button. The
    wrapper shows FastAPI the dependency's own parameters, so its sub-dependencies are resolved as before."""
    if inspect.iscoroutinefunction(dependency):
        async def wrapped(**kwargs: Any) -> Any:
            try:
                return await dependency(**kwargs)
            except StarletteHTTPException as exc:
                if exc.status_code == 403:
                    return None
                raise
    else:
        def wrapped(**kwargs: Any) -> Any:
            try:
                return dependency(**kwargs)
            except StarletteHTTPException as exc:
                if exc.status_code == 403:
                    return None
                raise
    try:  # annotations resolved where the dependency was written: FastAPI would look them up in this module
        signature = inspect.signature(dependency, eval_str=True)
    except NameError:
        signature = inspect.signature(dependency)
    wrapped.__signature__ = signature  # type: ignore[attr-defined]
    return wrapped
