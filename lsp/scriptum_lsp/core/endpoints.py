"""Validation of the `endpoint` setting: `local`, an https URL, or plain http on loopback only."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOCAL = "local"
STAGING_URL = "https://api.dev.dodil.io"
PRODUCTION_URL = "https://api.dodil.io"

# the gRPC hosts the dodil CLI is configured with -> their HTTP gateways
_GRPC_TO_HTTP = {"rpc.dev.dodil.io": STAGING_URL, "rpc.dodil.io": PRODUCTION_URL}


class EndpointError(ValueError):
    """The endpoint setting is not usable (not https, http off loopback, malformed)."""


@dataclass(frozen=True)
class Endpoint:
    """A validated endpoint: `local` (in-process emulator) or a base URL without trailing slash."""

    url: str

    @property
    def is_local(self) -> bool:
        return self.url == LOCAL

    def __str__(self) -> str:
        return self.url


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_endpoint(value: str) -> Endpoint:
    """Validate an endpoint setting. Raises EndpointError with a message safe to show."""
    raw = value.strip()
    if raw.lower() == LOCAL:
        return Endpoint(LOCAL)
    bare = raw.split(":", 1)[0].lower()
    if "://" not in raw and bare in _GRPC_TO_HTTP:
        return Endpoint(_GRPC_TO_HTTP[bare])
    if "://" not in raw:
        raise EndpointError(f"endpoint {raw!r} must be 'local' or an https:// URL")
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if not host:
        raise EndpointError(f"endpoint {raw!r} has no host")
    if parts.username or parts.password:
        raise EndpointError("endpoint must not embed credentials")
    if scheme == "http":
        if not is_loopback_host(host):
            raise EndpointError(f"plain http is only allowed on loopback, not {host!r}; use https")
    elif scheme != "https":
        raise EndpointError(f"endpoint scheme {scheme!r} is not supported; use https")
    try:
        _ = parts.port
    except ValueError as exc:
        raise EndpointError(f"endpoint {raw!r} has an invalid port") from exc
    path = parts.path.rstrip("/")
    return Endpoint(f"{scheme}://{parts.netloc}{path}")
