"""Apply airflow_settings.yaml to a plain Airflow: the equivalent of ``astro dev object import``.

Reads the Astro CLI file format (``airflow: {connections: [...], pools: [...], variables: [...]}``) and applies
it through the ``airflow`` CLI, one subprocess per object, in Astro's order:

* pools — ``airflow pools set NAME SLOTS DESCRIPTION`` (creates or updates);
* variables — ``airflow variables set KEY VALUE [--description TEXT]`` (creates or updates);
* connections — ``airflow connections delete ID`` (a missing connection is fine), then
  ``airflow connections add ID --conn-json JSON``: the CLI cannot update a connection, so it is replaced.

Running it again gives the same state. ``--dry-run`` prints the commands instead of running them, with
connection passwords and secret-looking extras and variables masked; the same masking applies to the command
lines and CLI output printed while applying.

Beyond Astro's keys, ``conn_description`` and ``variable_description`` are applied (Astro ignores them).
``conn_uri`` is not supported: give the fields. The relative path of a ``sqlite`` connection (its
``conn_host``) is resolved against the repository root, whatever the current directory.

Two things to know:

* connections defined as ``AIRFLOW_CONN_*`` environment variables win over the ones stored by this script
  (Airflow reads the environment before the metadata database), and ``airflow connections list`` omits them;
* a connection's password is on the command line of the ``airflow connections add`` process while it runs
  (visible to ``ps`` on that host): this file is for demo and local values; production connections come from
  the environment (docker-compose.yaml) or a secrets backend.

Examples::

    .venv/bin/python scripts/load_airflow_settings.py --dry-run
    .venv/bin/python scripts/load_airflow_settings.py --only pools --only variables
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_FILE = REPO_ROOT / "airflow_settings.yaml"
SECTIONS = ("pools", "variables", "connections")
MASK = "***"
# A key whose name contains one of these holds a secret (after Airflow's own DEFAULT_SENSITIVE_FIELDS).
SENSITIVE_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "bearer",
    "authorization",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "service_key",
    "keyfile",
    "credential",
    "connection_string",
    "dsn",
    "webhook_url",
)
# What `airflow connections delete` says when there is nothing to delete.
CONNECTION_NOT_FOUND = "Did not find a connection"

# airflow_settings.yaml key -> key of the connection JSON that `airflow connections add --conn-json` takes.
CONNECTION_FIELDS = {
    "conn_type": "conn_type",
    "conn_host": "host",
    "conn_schema": "schema",
    "conn_login": "login",
    "conn_password": "password",
    "conn_port": "port",
    "conn_extra": "extra",
    "conn_description": "description",
}


class SettingsError(ValueError):
    """The settings file cannot be applied as written; the message names the file and the entry."""


class CommandFailed(RuntimeError):
    """An ``airflow`` CLI command exited non-zero; carries its masked command line and output."""

    def __init__(self, command: Command, returncode: int, output: str) -> None:
        super().__init__(f"exit {returncode}: {command.display()}")
        self.command = command
        self.returncode = returncode
        self.output = output


@dataclass(frozen=True)
class Command:
    """One ``airflow`` CLI call.

    :param argv: what is executed.
    :param shown: ``argv`` with the secrets replaced by ``***``; the only form ever printed.
    :param secrets: the secret strings in ``argv``, masked in any output of the command as well.
    :param ok_if_output_contains: a failure whose output contains this text counts as success.
    """

    argv: tuple[str, ...]
    shown: tuple[str, ...]
    secrets: tuple[str, ...] = ()
    ok_if_output_contains: str | None = None

    def display(self) -> str:
        return shlex.join(self.shown)


def is_sensitive(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


def resolve_sqlite_path(path: str, root: Path = REPO_ROOT) -> str:
    """An absolute path for a SQLite connection's host; ``:memory:`` and ``file:`` URIs are left alone."""
    if path == ":memory:" or path.startswith("file:"):
        return path
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    return str(candidate.resolve())


def load_settings(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The three sections of an Astro-format settings file, each a (possibly empty) list of mappings."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: cannot read it: {exc}") from exc
    airflow = document.get("airflow") if isinstance(document, dict) else None
    if not isinstance(airflow, dict):
        raise SettingsError(f"{path}: expected a top-level 'airflow:' mapping")
    settings: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        entries = airflow.get(section) or []
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise SettingsError(f"{path}: airflow.{section} must be a list of mappings")
        settings[section] = entries
    return settings


def _required_name(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{where}: {key} is missing or empty")
    return value


def pool_commands(pools: Sequence[Mapping[str, Any]], airflow: str) -> list[Command]:
    commands = []
    for index, pool in enumerate(pools):
        name = _required_name(pool, "pool_name", f"pools[{index}]")
        slots = pool.get("pool_slot")
        # 0 is allowed on purpose: it holds back every new task of that platform without pausing DAGs.
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 0:
            raise SettingsError(f"pool {name!r}: pool_slot must be an integer >= 0, got {slots!r}")
        argv = (airflow, "pools", "set", name, str(slots), str(pool.get("pool_description") or ""))
        commands.append(Command(argv=argv, shown=argv))
    return commands


def variable_commands(variables: Sequence[Mapping[str, Any]], airflow: str) -> list[Command]:
    commands = []
    for index, variable in enumerate(variables):
        key = _required_name(variable, "variable_name", f"variables[{index}]")
        value = variable.get("variable_value")
        if value is None:
            raise SettingsError(f"variable {key!r}: variable_value is missing")
        # Variables are text; a YAML number, boolean, list or mapping is stored as its JSON text.
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        tail: tuple[str, ...] = ()
        if variable.get("variable_description"):
            tail = ("--description", str(variable["variable_description"]))
        argv = (airflow, "variables", "set", key, text, *tail)
        if is_sensitive(key):
            commands.append(
                Command(argv=argv, shown=(airflow, "variables", "set", key, MASK, *tail), secrets=(text,))
            )
        else:
            commands.append(Command(argv=argv, shown=argv))
    return commands


def connection_document(connection: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """The connection id and the JSON document for ``airflow connections add --conn-json``."""
    conn_id = _required_name(connection, "conn_id", where)
    if connection.get("conn_uri"):
        raise SettingsError(
            f"connection {conn_id!r}: conn_uri is not supported, give conn_type, conn_host, ..."
        )
    unknown = sorted(set(connection) - set(CONNECTION_FIELDS) - {"conn_id", "conn_uri"})
    if unknown:
        raise SettingsError(f"connection {conn_id!r}: unknown keys {unknown}")
    document = {
        target: connection[key]
        for key, target in CONNECTION_FIELDS.items()
        if connection.get(key) is not None and connection.get(key) != ""
    }
    if not isinstance(document.get("conn_type"), str):
        raise SettingsError(f"connection {conn_id!r}: conn_type is missing")
    port = document.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)):
        raise SettingsError(f"connection {conn_id!r}: conn_port must be an integer, got {port!r}")
    if "extra" in document and not isinstance(document["extra"], dict):
        raise SettingsError(f"connection {conn_id!r}: conn_extra must be a mapping of extra fields")
    if document["conn_type"] == "sqlite" and isinstance(document.get("host"), str):
        document["host"] = resolve_sqlite_path(document["host"])
    return conn_id, document


def _masked(document: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A copy of a connection document with its secrets replaced by ``***``, and the secrets replaced."""
    shown = dict(document)
    secrets: list[str] = []
    if shown.get("password"):
        secrets.append(str(shown["password"]))
        shown["password"] = MASK
    if isinstance(shown.get("extra"), dict):
        shown["extra"] = _masked_extra(shown["extra"], secrets)
    return shown, tuple(secrets)


def _masked_extra(extra: Mapping[str, Any], secrets: list[str]) -> dict[str, Any]:
    """``extra`` with every sensitive key masked, at any depth (``city_brain_api``: ``callers.<appId>.secret``)."""
    masked = dict(extra)
    for key, value in masked.items():
        if is_sensitive(key) and value not in (None, ""):
            secrets.append(value if isinstance(value, str) else json.dumps(value))
            masked[key] = MASK
        elif isinstance(value, Mapping):
            masked[key] = _masked_extra(value, secrets)
    return masked


def connection_commands(connections: Sequence[Mapping[str, Any]], airflow: str) -> list[Command]:
    commands = []
    for index, connection in enumerate(connections):
        conn_id, document = connection_document(connection, f"connections[{index}]")
        shown, secrets = _masked(document)
        delete = (airflow, "connections", "delete", conn_id)
        commands.append(Command(argv=delete, shown=delete, ok_if_output_contains=CONNECTION_NOT_FOUND))
        add = (airflow, "connections", "add", conn_id, "--conn-json")
        commands.append(
            Command(
                argv=(*add, json.dumps(document, ensure_ascii=False)),
                shown=(*add, json.dumps(shown, ensure_ascii=False)),
                secrets=secrets,
            )
        )
    return commands


def build_commands(
    settings: Mapping[str, Sequence[Mapping[str, Any]]], sections: Iterable[str], airflow: str
) -> list[Command]:
    """Every command for the chosen sections, in Astro's order (pools, variables, connections)."""
    builders = {"pools": pool_commands, "variables": variable_commands, "connections": connection_commands}
    chosen = set(sections)
    commands: list[Command] = []
    for section in SECTIONS:
        if section in chosen:
            commands.extend(builders[section](settings.get(section, ()), airflow))
    return commands


def apply(commands: Sequence[Command]) -> None:
    """Run the commands in order; stop at the first failure (:class:`CommandFailed`)."""
    for command in commands:
        print(f"$ {command.display()}", flush=True)
        result = subprocess.run(
            command.argv, capture_output=True, text=True, encoding="utf-8", errors="replace", check=False
        )
        if result.returncode == 0:
            continue
        output = redact(f"{result.stdout}{result.stderr}", command.secrets)
        if command.ok_if_output_contains and command.ok_if_output_contains in output:
            print("  (not there yet: nothing to delete)", flush=True)
            continue
        raise CommandFailed(command, result.returncode, output)


def default_airflow() -> str:
    """The ``airflow`` next to this Python (a virtualenv's), else the one on PATH."""
    sibling = Path(sys.executable).with_name("airflow")
    if sibling.exists():
        return str(sibling)
    return shutil.which("airflow") or "airflow"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Apply the pools, variables and connections of airflow_settings.yaml with the airflow CLI."
    )
    parser.add_argument(
        "--file", type=Path, default=DEFAULT_SETTINGS_FILE, help="settings file (Astro format)"
    )
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, help="apply only this section (repeatable; default: all)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the commands (secrets masked), run nothing"
    )
    parser.add_argument(
        "--airflow", default=None, help="the airflow executable (default: next to this Python)"
    )
    args = parser.parse_args(argv)

    airflow = args.airflow or default_airflow()
    sections = [section for section in SECTIONS if not args.only or section in args.only]
    try:
        commands = build_commands(load_settings(args.file), sections, airflow)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.dry_run:
        for command in commands:
            print(command.display())
        return 0
    try:
        apply(commands)
    except CommandFailed as exc:
        print(f"error: {exc}\n{exc.output.rstrip()}", file=sys.stderr)
        return 1
    print(f"applied {', '.join(sections)} from {args.file} ({len(commands)} commands)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
