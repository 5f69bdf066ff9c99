"""Outputs of the transactions declared in ``catalogue.py`` itself: sign-in/out (§4.0) and the 进销存 uploads'
``result`` (§4.8; their bodies are in :mod:`hisbridge.platforms.hsa.models`)."""

from __future__ import annotations

from hisbridge.platforms.hsa.txns.base import HsaOutput, OutDateTime, OutText, o


class SignInInfo(HsaOutput):
    """9001 output node ``signinoutb``."""

    sign_time: OutDateTime | None = o("签到时间", required=True)
    sign_no: OutText | None = o("签到编号", required=True)


class SignInOutput(HsaOutput):
    signinoutb: SignInInfo | None = o("签到信息", required=True)


class SignOutInfo(HsaOutput):
    """9002 output node ``signoutoutb`` (some platforms put ``sign_time`` at the top level: kept as sent)."""

    sign_time: OutDateTime | None = o("签退时间", required=True)


class SignOutOutput(HsaOutput):
    signoutoutb: SignOutInfo | None = o("签退信息")


class UploadResult(HsaOutput):
    """进销存 output node ``result``: ``retRslt`` ``1`` taken / ``0`` refused, with ``msgRslt`` saying why."""

    retRslt: OutText | None = o("上传结果")  # noqa: N815 - the wire name
    msgRslt: OutText | None = o("结果说明")  # noqa: N815 - the wire name


class UploadOutput(HsaOutput):
    result: UploadResult | None = o("上传结果")
