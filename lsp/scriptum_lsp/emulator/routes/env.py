"""Environment variables: organization-wide (set, get, list, delete, import a .env) and per script."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.gateway import PREFIX, SCRIPT_PATH, Ctx, RouteRow, name_param
from scriptum_lsp.emulator.wire import int64


def _env_var(e: dict[str, Any]) -> dict[str, Any]:
    return {"key": e["key"], "value": e["value"], "updatedAtMs": int64(e["updated_at_ms"])}


async def set_env_var(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    key = f.string("key")
    ctx.store.set_env(ctx.org, key, f.string("value"))
    return _env_var(ctx.store.get_env(ctx.org, key))


async def get_env_var(ctx: Ctx) -> dict[str, Any]:
    return _env_var(ctx.store.get_env(ctx.org, ctx.fields.string("key")))


async def list_env_vars(ctx: Ctx) -> dict[str, Any]:
    return {"envVars": [_env_var(e) for e in ctx.store.list_env(ctx.org)]}


async def delete_env_var(ctx: Ctx) -> dict[str, Any]:
    ctx.store.delete_env(ctx.org, ctx.fields.string("key"))
    return {}


def parse_dotenv(text: str) -> dict[str, str]:
    """`KEY=VALUE` lines; blank lines and `#` comments ignored; optional `export `; quotes stripped."""
    out: dict[str, str] = {}
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep:
            raise bad_request(
                f"line {i} of the env file is not KEY=VALUE", [(f"content:{i}", "expected KEY=VALUE")]
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


async def import_env_vars(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    values = parse_dotenv(f.string("content"))
    values.update(f.string_map("vars"))
    if not values:
        raise bad_request(
            "nothing to import: send content (.env text) and/or vars (a map)", [("content", "empty")]
        )
    ctx.store.import_env(ctx.org, values)
    return {"imported": len(values), "keys": sorted(values)}


async def get_script_env(ctx: Ctx) -> dict[str, Any]:
    name = name_param(ctx)
    env = ctx.store.get_script_env(ctx.org, name)
    return {"name": name, "env": env, "effective": ctx.store.effective_env(ctx.org, name)}


async def update_script_env(ctx: Ctx) -> dict[str, Any]:
    name = name_param(ctx)
    env = ctx.store.update_script_env(
        ctx.org, name, ctx.fields.string_map("set"), ctx.fields.strings("delete")
    )
    return {"name": name, "env": env, "effective": ctx.store.effective_env(ctx.org, name)}


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{SCRIPT_PATH}/env", "GET", "GetScriptEnv", get_script_env, False),
    (f"{SCRIPT_PATH}/env", "PATCH", "UpdateScriptEnv", update_script_env, False),
    (f"{PREFIX}/env", "GET", "ListEnvVars", list_env_vars, False),
    (f"{PREFIX}/env", "PUT", "SetEnvVar", set_env_var, False),
    (f"{PREFIX}/env/import", "POST", "ImportEnvVars", import_env_vars, False),
    (f"{PREFIX}/env/{{key}}", "GET", "GetEnvVar", get_env_var, False),
    (f"{PREFIX}/env/{{key}}", "DELETE", "DeleteEnvVar", delete_env_var, False),
)
