"""Settings parsing: defaults, sources in order, one warning per bad value, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from scriptum_lsp.core.settings import Settings, resolve_settings
from scriptum_lsp.core.workspace import parse_script_map, script_name_for


def test_no_settings_at_all_is_local() -> None:
    s, warnings = resolve_settings(None, {}, None)
    assert warnings == []
    assert s == Settings()
    assert s.is_local and s.endpoint_source == "default"
    assert s.token is None and s.token_source == "none"
    assert s.local_diagnostics is True and s.create_missing_scripts is True
    assert s.diagnostics_trigger == "onType"


def test_remote_endpoint_defaults_differ() -> None:
    s, warnings = resolve_settings({"endpoint": "https://api.dev.dodil.io/", "token": "t"}, {}, None)
    assert warnings == []
    assert s.endpoint == "https://api.dev.dodil.io"
    assert s.local_diagnostics is False and s.create_missing_scripts is False


@pytest.mark.parametrize(
    ("raw", "environ", "cli", "token", "source"),
    [
        ({"token": "a"}, {"DODIL_TOKEN": "b", "SCRIPTUM_TOKEN": "c"}, {"token": "d"}, "a", "setting"),
        ({"token": "  "}, {"DODIL_TOKEN": "b", "SCRIPTUM_TOKEN": "c"}, {"token": "d"}, "b", "DODIL_TOKEN"),
        ({}, {"SCRIPTUM_TOKEN": "c"}, {"token": "d"}, "c", "SCRIPTUM_TOKEN"),
        ({}, {}, {"global": {"token": "d"}}, "d", "dodil CLI config (/x/config.yaml)"),
        ({}, {}, {"scriptum": {"access_token": "e"}, "global": {"token": "d"}}, "e",
         "dodil CLI config (/x/config.yaml)"),
        ({}, {}, {"auth": {"token": "f"}}, "f", "dodil CLI config (/x/config.yaml)"),
        ({}, {}, {"other": 1}, None, "none"),
    ],
)  # fmt: skip
def test_token_sources_in_order(
    raw: dict[str, Any], environ: dict[str, str], cli: dict[str, Any], token: str | None, source: str
) -> None:
    s, _ = resolve_settings(raw, environ, cli, cli_config_path="/x/config.yaml")
    assert (s.token, s.token_source) == (token, source)
    assert "'" + str(token) + "'" not in repr(s) or token is None  # the token is not in the repr


def test_token_found_without_endpoint_uses_staging() -> None:
    s, _ = resolve_settings({}, {"DODIL_TOKEN": "tok"}, None)
    assert s.endpoint == "https://api.dev.dodil.io"
    assert s.endpoint_source == "default (token found)"


def test_organization_sources() -> None:
    assert resolve_settings({"organization": "a"}, {"DODIL_ORG": "b"}, None)[0].organization == "a"
    assert resolve_settings({}, {"DODIL_ORG": "b", "SCRIPTUM_ORG_NAME": "c"}, None)[0].organization == "b"
    assert resolve_settings({}, {"SCRIPTUM_ORG_NAME": "c"}, None)[0].organization == "c"
    assert resolve_settings({}, {}, {"global": {"org": "d"}})[0].organization == "d"


def test_nested_and_dotted_keys() -> None:
    nested, w1 = resolve_settings({"diagnostics": {"trigger": "onSave", "debounceMs": 0}}, {}, None)
    dotted, w2 = resolve_settings({"diagnostics.trigger": "off", "diagnostics.debounceMs": "40"}, {}, None)
    assert (nested.diagnostics_trigger, nested.debounce_ms, w1) == ("onSave", 0, [])
    assert (dotted.diagnostics_trigger, dotted.debounce_ms, w2) == ("off", 40, [])
    whole, _ = resolve_settings({"scriptum": {"requestTimeoutMs": 500}}, {}, None)
    assert whole.request_timeout_ms == 500


@pytest.mark.parametrize(
    ("raw", "field", "default"),
    [
        ({"endpoint": "http://api.dodil.io"}, "endpoint", "local"),
        ({"endpoint": "ftp://x"}, "endpoint", "local"),
        ({"endpoint": 42}, "endpoint", "local"),
        ({"diagnostics": {"trigger": "always"}}, "diagnostics_trigger", "onType"),
        ({"diagnostics": {"debounceMs": -1}}, "debounce_ms", 250),
        ({"diagnostics": {"debounceMs": "soon"}}, "debounce_ms", 250),
        ({"requestTimeoutMs": True}, "request_timeout_ms", 15000),
        ({"requestTimeoutMs": 10**9}, "request_timeout_ms", 15000),
        ({"localDiagnostics": "yes"}, "local_diagnostics", True),
        ({"createMissingScripts": 1}, "create_missing_scripts", True),
    ],
)
def test_bad_values_warn_once_and_use_defaults(raw: dict[str, Any], field: str, default: object) -> None:
    s, warnings = resolve_settings(raw, {}, None)
    assert getattr(s, field) == default
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("scriptum.")


def test_not_a_mapping() -> None:
    s, warnings = resolve_settings(["nope"], {}, None)  # type: ignore[arg-type]
    assert s == Settings() and len(warnings) == 1


def test_token_never_in_describe() -> None:
    s, _ = resolve_settings({"token": "super-secret-token"}, {}, None)
    assert "super-secret-token" not in repr(s)
    assert "super-secret-token" not in repr(s.describe())


@pytest.mark.parametrize(
    ("rel", "name", "expected"),
    [("flows/invoice.scriptum", "invoice.scriptum", "invoice-parser"),
     ("./flows//invoice.scriptum", "invoice.scriptum", "invoice-parser"),
     ("other/a.scriptum", "a.scriptum", "a"), (None, "invoice-parser.scriptum", "invoice-parser"),
     (None, "notes.txt", "notes")],
)  # fmt: skip
def test_script_names(rel: str | None, name: str, expected: str) -> None:
    mapping, warnings = parse_script_map(
        '[scripts]\n"flows/invoice.scriptum" = "invoice-parser"\n"x.scriptum" = 3\n'
    )
    assert len(warnings) == 1
    assert script_name_for(rel, name, mapping) == expected


def test_broken_toml_warns() -> None:
    mapping, warnings = parse_script_map("[scripts\n")
    assert mapping == {} and len(warnings) == 1
