"""Typed, fully defaulted settings, parsed from the `scriptum` configuration section.

Parsing never raises: a bad value produces one warning and the default. Token resolution is pure: the
environment and the dodil CLI config contents are arguments (the engine reads the files).
Sources, first found wins:
  endpoint      `endpoint` setting -> SCRIPTUM_API_ENDPOINT -> dodil CLI config -> `local` without a
                token, the dodil staging gateway with one
  token         `token` setting -> DODIL_TOKEN -> SCRIPTUM_TOKEN -> dodil CLI config
  organization  `organization` setting -> DODIL_ORG -> SCRIPTUM_ORG_NAME -> dodil CLI config
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from scriptum_lsp.core.endpoints import LOCAL, STAGING_URL, EndpointError, is_loopback_host, parse_endpoint

Trigger = Literal["onType", "onSave", "off"]
TRIGGERS: tuple[Trigger, ...] = ("onType", "onSave", "off")

DEFAULT_DEBOUNCE_MS = 250
DEFAULT_REQUEST_TIMEOUT_MS = 15000
MAX_DEBOUNCE_MS = 10_000
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 100, 600_000

KNOWN_KEYS = frozenset(
    {"endpoint", "token", "organization", "diagnostics", "requestTimeoutMs", "localDiagnostics",
     "createMissingScripts", "trace"}
)  # fmt: skip


# the organization of Ignite paths on the embedded emulator when none is configured
LOCAL_ORGANIZATION = "default"


@dataclass(frozen=True)
class Settings:
    endpoint: str = LOCAL
    endpoint_source: str = "default"
    token: str | None = field(default=None, repr=False)
    token_source: str = "none"
    organization: str | None = None
    organization_source: str = "none"
    diagnostics_trigger: Trigger = "onType"
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    request_timeout_ms: int = DEFAULT_REQUEST_TIMEOUT_MS
    local_diagnostics: bool = True
    create_missing_scripts: bool = True

    @property
    def is_local(self) -> bool:
        return self.endpoint == LOCAL

    @property
    def ignite_organization(self) -> str | None:
        """Ignite paths carry the organization: the setting, else `LOCAL_ORGANIZATION` on `local`."""
        return self.organization or (LOCAL_ORGANIZATION if self.is_local else None)

    @property
    def request_timeout(self) -> float:
        return self.request_timeout_ms / 1000.0

    @property
    def debounce(self) -> float:
        return self.debounce_ms / 1000.0

    def connection_key(self) -> tuple[str, str | None, str | None, int]:
        """What a client depends on: a change means a new client."""
        return (self.endpoint, self.token, self.organization, self.request_timeout_ms)

    def describe(self) -> dict[str, Any]:
        """Everything but the token, for logs and `doctor`."""
        return {
            "endpoint": self.endpoint,
            "endpointSource": self.endpoint_source,
            "tokenSource": self.token_source,
            "organization": self.organization,
            "organizationSource": self.organization_source,
            "diagnostics": {"trigger": self.diagnostics_trigger, "debounceMs": self.debounce_ms},
            "requestTimeoutMs": self.request_timeout_ms,
            "localDiagnostics": self.local_diagnostics,
            "createMissingScripts": self.create_missing_scripts,
        }


def _lookup(raw: Mapping[str, Any], dotted: str) -> Any:
    """`diagnostics.trigger` from `{"diagnostics": {"trigger": ..}}` or `{"diagnostics.trigger": ..}`."""
    if dotted in raw:
        return raw[dotted]
    cur: Any = raw
    for part in dotted.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _config_value(cli_config: Mapping[str, Any] | None, keys: tuple[str, ...]) -> str | None:
    """A string value from the dodil CLI config: `scriptum.*`, then `global.*`, then top level, `auth.*`."""
    if not isinstance(cli_config, Mapping):
        return None
    sections: list[Any] = [
        cli_config.get("scriptum"),
        cli_config.get("global"),
        cli_config,
        cli_config.get("auth"),
    ]
    for section in sections:
        if not isinstance(section, Mapping):
            continue
        for key in keys:
            value = section.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


TOKEN_KEYS = ("token", "access_token", "accessToken", "api_token", "bearer_token")
ORG_KEYS = ("organization", "organization_name", "org_name", "org", "orgName", "org_id")
ENDPOINT_KEYS = ("endpoint", "api_endpoint", "apiEndpoint", "http_endpoint")


def resolve_token(
    setting: object,
    environ: Mapping[str, str],
    cli_config: Mapping[str, Any] | None,
    cli_config_path: str | None = None,
) -> tuple[str | None, str]:
    """(token, source description). Sources: setting, DODIL_TOKEN, SCRIPTUM_TOKEN, dodil CLI config."""
    if isinstance(setting, str) and setting.strip():
        return setting.strip(), "setting"
    for var in ("DODIL_TOKEN", "SCRIPTUM_TOKEN"):
        value = environ.get(var, "").strip()
        if value:
            return value, var
    value2 = _config_value(cli_config, TOKEN_KEYS)
    if value2:
        where = f" ({cli_config_path})" if cli_config_path else ""
        return value2, f"dodil CLI config{where}"
    return None, "none"


def resolve_organization(
    setting: object, environ: Mapping[str, str], cli_config: Mapping[str, Any] | None
) -> tuple[str | None, str]:
    if isinstance(setting, str) and setting.strip():
        return setting.strip(), "setting"
    for var in ("DODIL_ORG", "SCRIPTUM_ORG_NAME"):
        value = environ.get(var, "").strip()
        if value:
            return value, var
    value2 = _config_value(cli_config, ORG_KEYS)
    if value2:
        return value2, "dodil CLI config"
    return None, "none"


def _bool(raw: Mapping[str, Any], key: str, warnings: list[str]) -> bool | None:
    value = _lookup(raw, key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    warnings.append(f"scriptum.{key}: expected true or false, got {value!r}; using the default")
    return None


def _int(raw: Mapping[str, Any], key: str, lo: int, hi: int, warnings: list[str]) -> int | None:
    value = _lookup(raw, key)
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if number is None or not lo <= number <= hi:
        warnings.append(
            f"scriptum.{key}: expected an integer from {lo} to {hi}, got {value!r}; using the default"
        )
        return None
    return number


def _on_loopback(endpoint: str) -> bool:
    from urllib.parse import urlparse

    return is_loopback_host(urlparse(endpoint).hostname or "")


def resolve_settings(
    raw: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    cli_config: Mapping[str, Any] | None,
    *,
    cli_config_path: str | None = None,
) -> tuple[Settings, list[str]]:
    """Parse the `scriptum` section (initializationOptions or workspace/configuration) into Settings.

    Never raises; returns the settings and a list of warnings (one per bad setting)."""
    warnings: list[str] = []
    if raw is None:
        raw = {}
    elif not isinstance(raw, Mapping):
        warnings.append(f"scriptum settings must be an object, got {type(raw).__name__}; using defaults")
        raw = {}
    if isinstance(raw.get("scriptum"), Mapping):  # a whole configuration object was sent
        raw = {**raw, **raw["scriptum"]}

    token, token_source = resolve_token(raw.get("token"), environ, cli_config, cli_config_path)
    if raw.get("token") is not None and not isinstance(raw.get("token"), str):
        warnings.append("scriptum.token: expected a string; ignored")
    organization, org_source = resolve_organization(raw.get("organization"), environ, cli_config)

    endpoint_raw: object = raw.get("endpoint")
    endpoint_source = "setting"
    if endpoint_raw is None or (isinstance(endpoint_raw, str) and not endpoint_raw.strip()):
        endpoint_raw, endpoint_source = environ.get("SCRIPTUM_API_ENDPOINT") or None, "SCRIPTUM_API_ENDPOINT"
        if endpoint_raw is None:
            endpoint_raw, endpoint_source = _config_value(cli_config, ENDPOINT_KEYS), "dodil CLI config"
    endpoint: str
    if endpoint_raw is None:
        endpoint, endpoint_source = (STAGING_URL, "default (token found)") if token else (LOCAL, "default")
    elif not isinstance(endpoint_raw, str):
        warnings.append(f"scriptum.endpoint: expected a string, got {endpoint_raw!r}; using 'local'")
        endpoint, endpoint_source = LOCAL, "default (bad setting)"
    else:
        try:
            endpoint = parse_endpoint(endpoint_raw).url
        except EndpointError as exc:
            warnings.append(f"scriptum.endpoint ({endpoint_source}): {exc}; using 'local'")
            endpoint, endpoint_source = LOCAL, "default (bad setting)"
    is_local = endpoint == LOCAL

    trigger_raw = _lookup(raw, "diagnostics.trigger")
    trigger: Trigger = "onType"
    if trigger_raw is not None:
        match = next(
            (t for t in TRIGGERS if isinstance(trigger_raw, str) and t.lower() == trigger_raw.lower()), None
        )
        if match is None:
            warnings.append(
                f"scriptum.diagnostics.trigger: expected one of {', '.join(TRIGGERS)}, got {trigger_raw!r}; "
                "using 'onType'"
            )
        else:
            trigger = match
    debounce = _int(raw, "diagnostics.debounceMs", 0, MAX_DEBOUNCE_MS, warnings)
    timeout = _int(raw, "requestTimeoutMs", MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, warnings)
    local_diags = _bool(raw, "localDiagnostics", warnings)
    create_missing = _bool(raw, "createMissingScripts", warnings)

    settings = Settings(
        endpoint=endpoint,
        endpoint_source=endpoint_source,
        token=token,
        token_source=token_source,
        organization=organization,
        organization_source=org_source,
        diagnostics_trigger=trigger,
        debounce_ms=DEFAULT_DEBOUNCE_MS if debounce is None else debounce,
        request_timeout_ms=DEFAULT_REQUEST_TIMEOUT_MS if timeout is None else timeout,
        local_diagnostics=is_local if local_diags is None else local_diags,
        # scripts are created on demand for the emulator (`local`, or any endpoint on loopback), not elsewhere
        create_missing_scripts=(is_local or _on_loopback(endpoint))
        if create_missing is None
        else create_missing,
    )
    return settings, warnings
