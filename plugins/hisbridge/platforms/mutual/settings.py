"""One site's 互认 platform: where it is, who we are on it, how we authenticate, how long we wait.

Built from the ``mutual_recognition`` connection by :mod:`~hisbridge.platforms.mutual.hooks` (the extras are
documented there); tests and the workstation service build it directly.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hisbridge.platforms.mutual import catalogue


class MutualSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Annotated[str, Field(min_length=8)] = Field(description="scheme://host[:port][/prefix] of the platform")
    org_code: str = Field("360102001", min_length=1, max_length=50, description="本机构代码 (orgCode / OrgCode)")
    org_name: str = Field("南昌市第一医院", min_length=1, max_length=100, description="本机构名称")
    auth: Literal["none", "token", "hmac"] = Field("none", description="none | token (Bearer) | hmac (signed)")
    app_id: str | None = Field(None, description="hmac: X-App-Id (the connection's login)")
    secret: SecretStr | None = Field(None, description="token / hmac key (the connection's password)")
    paths: dict[str, str] = Field(default_factory=dict, description="operation → path overriding /api/v1/<op>")
    timeout_s: float = Field(10, gt=0, le=300, description="seconds to wait for an upload's / a record's answer")
    query_timeout_s: float = Field(0.5, gt=0, le=60, description="seconds to wait for a reminder / report query")
    connect_timeout_s: float = Field(3, gt=0, le=60, description="seconds to establish the connection (a "
                                                                 "query's own timeout caps it)")
    max_batch: int = Field(50, ge=1, le=1000, description="the most rows the platform takes in one upload")
    verify: bool | str = Field(True, description="TLS verification: true/false or a CA bundle path")

    @field_validator("paths")
    @classmethod
    def _known_operations(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(catalogue.OPERATIONS))
        if unknown:
            raise ValueError(f"paths for unknown operations {unknown}; known: {', '.join(catalogue.OPERATIONS)}")
        blank = sorted(op for op, path in value.items() if not str(path).strip())
        if blank:
            raise ValueError(f"empty paths for {blank}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        if self.auth in ("token", "hmac") and (self.secret is None or not self.secret.get_secret_value()):
            raise ValueError(f"auth {self.auth!r} needs a secret (the connection's password)")
        if self.auth == "hmac" and not self.app_id:
            raise ValueError("auth 'hmac' needs an app_id (the connection's login)")
        return self

    def path_for(self, operation: str) -> str:
        return self.paths.get(operation) or catalogue.get(operation).default_path

    def url_for(self, operation: str) -> str:
        """``POST`` URL of an operation: the base URL joined with its path (overridable per operation)."""
        path = self.path_for(operation)
        if path.startswith(("http://", "https://")):  # a site may route one operation elsewhere entirely
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def secret_value(self) -> str | None:
        return self.secret.get_secret_value() if self.secret is not None else None
