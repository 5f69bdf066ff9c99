"""Static checks of the deployment files, without Docker.

docker-compose.yaml is read as data and its ``${VAR}`` references are interpolated the way Compose does, from the
values of .env.example; the Dockerfile and scripts/postgres-init.sql are read as text; airflow_settings.yaml is
checked against the shared names of design.md; scripts/load_airflow_settings.py runs for real, in dry-run mode
and against a fake ``airflow`` executable that keeps its state in a JSON file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_FILE = ROOT / "airflow_settings.yaml"
LOADER = ROOT / "scripts" / "load_airflow_settings.py"
POSTGRES_INIT = ROOT / "scripts" / "postgres-init.sql"

# design.md, "Shared names": the connection ids every module uses.
DESIGN_CONNECTION_IDS = {
    "his_db",
    "hisbridge_db",
    "hsa_platform",
    "cdc_frontend",
    "cdc_frontend_db",
    "mutual_recognition",
    "city_brain",
    "regional_platform",
    "jiulonghu_his",
}
# Connections a platform adds beside the design's, each documented in the README's connection table.
PLATFORM_CONNECTION_IDS = {"mutual_workstation", "city_brain_api", "regional_frontdb", "hisbridge_alert_webhook",
                           "hisbridge_alert_smtp", "airflow_api"}
# One pool per external platform plus one for the HIS read load, with their agreed sizes.
EXPECTED_POOLS = {
    "hsa_platform": 4,
    "his_read": 4,
    "cdc_frontend": 2,
    "mutual_recognition": 2,
    "city_brain": 4,
    "regional_platform": 2,
    "jiulonghu_his": 2,
}
HSA_EXTRA_KEYS = {
    "fixmedins_code",
    "fixmedins_name",
    "mdtrtarea_admvs",
    "recer_sys_code",
    "infver",
    "auth",
    "paasid",
    "path",
    "opter",
    "opter_name",
    "opter_type",
}
CORE_SERVICES = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
}
AIRFLOW_SERVICES = {name for name in CORE_SERVICES if name.startswith("airflow-")} | {"airflow-cli", "flower"}
DEMO_SECRET = "demo-only-hsa-secret-not-for-production"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; "$$" is a literal dollar.
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|FERNET|PRIVATE|_KEY$", re.IGNORECASE)


# --- helpers -------------------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path.name}: not NAME=value: {line!r}"
        values[name.strip()] = value.strip()
    return values


def compose_variables(document: Any) -> set[str]:
    """The variables Compose interpolates: those in the values of the file (comments are not interpolated)."""
    return {
        match["name"]
        for _, value in strings_in(document)
        for match in VARIABLE.finditer(value.replace("$$", ""))
    }


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation of one string."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        present = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if present:
            return env[name]
        if op and op.endswith("?"):
            raise KeyError(f"{name} is required: {arg}")
        return arg if op else ""

    return VARIABLE.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")


def strings_in(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a parsed YAML document with its path; mapping keys are part of the path."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from strings_in(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings_in(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def _is_reference(value: str) -> bool:
    return bool(re.fullmatch(r"\s*" + VARIABLE.pattern + r"\s*", value))


def literal_secrets(document: Any) -> list[str]:
    """Places where a compose document holds a secret written out instead of a ${VAR} from .env."""
    findings = []
    for path, value in strings_in(document):
        key = path.rsplit(".", 1)[-1]
        # environment: SOME_PASSWORD: literal (but SOME_PASSWORDS_FILE: /path names a file)
        if SECRET_NAME.search(key) and not key.endswith(("_FILE", "_PATH")) and not _is_reference(value):
            findings.append(f"{path}: {key} is not a ${{VAR}}")
        # scheme://user:password@host
        for password in re.findall(r"://[^:/@\s]*:([^@\s]*)@", value):
            if not _is_reference(password):
                findings.append(f"{path}: password inside a URL")
        # JSON: "password": "literal", "secret": "literal", ...
        for name, secret in re.findall(r'"([A-Za-z_]*)"\s*:\s*"([^"]*)"', value):
            if SECRET_NAME.search(name) and not _is_reference(secret):
                findings.append(f"{path}: JSON key {name!r} holds a literal")
        # command lines: --secret literal, --password=literal
        for secret in re.findall(r"--(?:secret|password|token)[= ]+(\S+)", value):
            if not _is_reference(secret):
                findings.append(f"{path}: command-line secret")
    # list-form commands: ["--secret", "literal"]
    for path, value in strings_in(document):
        if re.fullmatch(r"--(secret|password|token)", value):
            parent, index = path.rsplit("[", 1)
            following = dict(strings_in(document)).get(f"{parent}[{int(index[:-1]) + 1}]", "")
            if not _is_reference(following):
                findings.append(f"{path}: command-line secret")
    return findings


def merged_env(service: Mapping[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    assert isinstance(environment, dict), "environment must be a mapping (NAME: value)"
    return {str(key): str(value) for key, value in environment.items()}


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    document = yaml.safe_load(compose_text)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def settings() -> dict[str, Any]:
    return yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))["airflow"]


@pytest.fixture(scope="module")
def loader_module():
    spec = importlib.util.spec_from_file_location("load_airflow_settings", LOADER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def run_loader(
    *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(LOADER), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


# --- docker-compose.yaml ----------------------------------------------------------------------------------


def test_compose_defines_the_airflow_stack_and_the_optional_services(services):
    assert CORE_SERVICES | {"flower", "sim-hsa", "airflow-cli"} <= set(services)
    for name in CORE_SERVICES:
        assert "profiles" not in services[name], f"{name} must start with a plain `docker compose up`"
    assert services["flower"]["profiles"] == ["flower"]
    assert services["sim-hsa"]["profiles"] == ["demo"]
    assert services["airflow-cli"]["profiles"] == ["debug"]


def test_every_service_has_an_image_or_a_build(services):
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name} has neither image nor build"
    for name in AIRFLOW_SERVICES | {"sim-hsa"}:
        build = services[name]["build"]
        assert build == {"context": ".", "dockerfile": "Dockerfile"}, name
        assert services[name]["image"].startswith("${HISBRIDGE_IMAGE:-"), name


def test_every_airflow_service_runs_the_celery_executor_on_postgres_and_redis(services):
    for name in AIRFLOW_SERVICES:
        env = merged_env(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:"), name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres/airflow"), name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://airflow:"), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:"), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].endswith("@redis:6379/0"), name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
        assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Shanghai"
        for secret in (
            "AIRFLOW__CORE__FERNET_KEY",
            "AIRFLOW__API__SECRET_KEY",
            "AIRFLOW__API_AUTH__JWT_SECRET",
        ):
            assert _is_reference(env[secret]), f"{name}: {secret} must come from .env"


def test_components_run_their_airflow_3_commands(services):
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"
    assert services["flower"]["command"] == "celery flower"
    assert services["airflow-apiserver"]["ports"] == ["8080:8080"]
    health = services["airflow-apiserver"]["healthcheck"]["test"]
    assert "http://localhost:8080/api/v2/monitor/health" in health


def test_worker_serves_the_default_and_his_queues_with_warm_shutdown(services):
    worker = services["airflow-worker"]
    assert shlex.split(worker["command"]) == ["celery", "worker", "--queues", "default,his"]
    assert merged_env(worker)["DUMB_INIT_SETSID"] == "0"
    assert merged_env(worker)["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "default"


# The connections of the plugin's apps that only the API server serves (the 互认 page, the 城市大脑 API's callers).
API_ONLY_CONNECTIONS = {"AIRFLOW_CONN_MUTUAL_WORKSTATION", "AIRFLOW_CONN_CITY_BRAIN_API"}


# Where alerts go (hisbridge.ops.alerts.channels), with the ledger that keeps the incidents.
ALERT_CONNECTIONS = {"AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK", "AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP"}


def connections_of(service: Mapping[str, Any]) -> set[str]:
    return {key for key in merged_env(service) if key.startswith("AIRFLOW_CONN_")}


def test_platform_connections_reach_only_the_workers_and_the_api_server(services):
    wanted = {"AIRFLOW_CONN_HISBRIDGE_DB", "AIRFLOW_CONN_HIS_DB", "AIRFLOW_CONN_HSA_PLATFORM"}
    worker = connections_of(services["airflow-worker"])
    assert wanted <= worker
    assert not worker & API_ONLY_CONNECTIONS, "the workers run no plugin app: no callers' or page secrets there"
    # the API server serves the plugin's apps, which refuse to start without their connections (found by
    # tests/celery/test_scale_out.py: the ledger pages, the 医保 gateway, the 互认 service, the 城市大脑 API); it
    # sends no alert
    api = connections_of(services["airflow-apiserver"])
    assert api == (worker - ALERT_CONNECTIONS) | API_ONLY_CONNECTIONS
    # the dag-processor: the alert connections only (test_alert_connections_reach_every_process_that_alerts)
    for name in AIRFLOW_SERVICES - {"airflow-worker", "airflow-apiserver", "airflow-dag-processor"}:
        leaked = connections_of(services[name])
        assert not leaked, f"{name} does not run tasks and must not get {sorted(leaked)}"


def test_alert_connections_reach_every_process_that_alerts(services):
    # A task that fails for good alerts from its worker; a task the scheduler finds dead (heartbeat timeout, a
    # killed worker) has its on_failure_callback run by the DAG processor (Airflow 3): both need the robot, the
    # mail server and the ledger that keeps the incidents — and the DAG processor nothing more.
    ledger = "AIRFLOW_CONN_HISBRIDGE_DB"
    assert ALERT_CONNECTIONS | {ledger} <= connections_of(services["airflow-worker"])
    processor = services["airflow-dag-processor"]
    assert connections_of(processor) == ALERT_CONNECTIONS | {ledger}
    for key in ALERT_CONNECTIONS | {ledger}:  # the same connection as the workers', not a copy that can drift
        assert merged_env(processor)[key] == merged_env(services["airflow-worker"])[key], key
    # the dag-processor's own environment replaces the common one: it must still carry all of it
    common = merged_env(services["airflow-scheduler"])
    assert {k: v for k, v in merged_env(processor).items() if k in common} == common
    for name in ("airflow-scheduler", "airflow-triggerer", "airflow-apiserver"):
        assert not connections_of(services[name]) & ALERT_CONNECTIONS, name


def test_alert_connections_read_as_the_alerter_reads_them(services, env_example):
    from types import SimpleNamespace

    from hisbridge.ops.alerts.channels import WebhookSettings, _recipients

    env = merged_env(services["airflow-dag-processor"])
    robot = json.loads(interpolate(env["AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK"], env_example))
    settings = WebhookSettings.from_connection(SimpleNamespace(
        conn_id="hisbridge_alert_webhook", host=robot["host"], port=robot["port"], schema=robot["schema"],
        password=robot["password"], extra_dejson=robot["extra"]))  # fmt: skip
    url, params = settings.url_and_params(now_ms=0)
    assert url == "https://qyapi.weixin.qq.com:443/cgi-bin/webhook/send"
    assert params == {"key": env_example["ALERT_WEBHOOK_KEY"]} and settings.format == "wecom"
    mail = json.loads(interpolate(env["AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP"], env_example))
    assert (mail["conn_type"], mail["host"], mail["port"]) == ("smtp", env_example["ALERT_SMTP_HOST"], 465)
    assert mail["extra"]["disable_ssl"] is False and mail["extra"]["disable_tls"] is False
    assert mail["extra"]["from_email"] == env_example["ALERT_MAIL_FROM"]
    two = {**env_example, "ALERT_MAIL_TO": "a@h.invalid, b@h.invalid"}
    to = json.loads(interpolate(env["AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP"], two))["extra"]["to"]
    assert _recipients(to) == ["a@h.invalid", "b@h.invalid"]
    without = {key: value for key, value in env_example.items() if key != "ALERT_WEBHOOK_KEY"}
    with pytest.raises(KeyError, match="ALERT_WEBHOOK_KEY"):
        interpolate(env["AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK"], without)


def test_api_server_connections_are_valid_json_once_interpolated_from_env_example(services, env_example):
    env = merged_env(services["airflow-apiserver"])
    page = json.loads(interpolate(env["AIRFLOW_CONN_MUTUAL_WORKSTATION"], env_example))
    assert page["password"] == env_example["MUTUAL_PAGE_SECRET"]
    assert page["extra"]["page_auth"] == "ticket"
    api = json.loads(interpolate(env["AIRFLOW_CONN_CITY_BRAIN_API"], env_example))
    caller = api["extra"]["callers"][env_example["CITY_BRAIN_CALLER_APP_ID"]]
    assert caller["secret"] == env_example["CITY_BRAIN_CALLER_SECRET"]
    assert caller["ips"] == [env_example["CITY_BRAIN_CALLER_NETWORK"]]
    from hisbridge.platforms.city_brain.settings import settings_from_extras

    # what the API checks at start: appId, a secret of 16+ characters, a valid network
    assert list(settings_from_extras(api["extra"]).by_app_id) == [env_example["CITY_BRAIN_CALLER_APP_ID"]]


def test_workers_scale_with_compose_and_their_slots_are_set(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale airflow-worker=N needs both absent"
    assert worker["stop_grace_period"] == "5m", "a warm shutdown needs longer than compose's default 10 s"
    env = merged_env(worker)
    assert int(env["AIRFLOW__CELERY__WORKER_CONCURRENCY"]) >= 1
    assert env["AIRFLOW__CELERY__TASK_ACKS_LATE"] == "true"
    assert env["AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER"] == "1"


def test_airflow_metrics_go_over_opentelemetry_to_a_prometheus_endpoint(compose, services):
    for name in AIRFLOW_SERVICES:
        env = merged_env(services[name])
        assert env["AIRFLOW__METRICS__OTEL_ON"] == "true", name
        assert env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] == "http://otel-collector:4318/v1/metrics", name
    collector = services["otel-collector"]
    assert "profiles" not in collector
    assert collector["ports"] == ["127.0.0.1:8889:8889"]
    target = collector["configs"][0]["target"]
    assert collector["command"] == [f"--config={target}"]
    config = yaml.safe_load(compose["configs"][collector["configs"][0]["source"]]["content"])
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    assert config["exporters"]["prometheus"]["endpoint"] == "0.0.0.0:8889"
    pipeline = config["service"]["pipelines"]["metrics"]
    assert (pipeline["receivers"], pipeline["exporters"]) == (["otlp"], ["prometheus"])
    assert set(pipeline["processors"]) <= set(config["processors"])


def test_connections_are_valid_json_once_interpolated_from_env_example(services, env_example):
    env = merged_env(services["airflow-worker"])
    documents = {
        key: json.loads(interpolate(value, env_example))
        for key, value in env.items()
        if key.startswith("AIRFLOW_CONN_")
    }

    ledger = documents["AIRFLOW_CONN_HISBRIDGE_DB"]
    assert (ledger["conn_type"], ledger["schema"], ledger["login"]) == ("postgres", "hisbridge", "hisbridge")
    assert ledger["password"] == env_example["HISBRIDGE_DB_PASSWORD"]

    his = documents["AIRFLOW_CONN_HIS_DB"]
    assert his["conn_type"] == "oracle"
    assert his["port"] == 1521
    assert his["password"] == env_example["HIS_DB_PASSWORD"]
    assert his["extra"] == {"service_name": env_example["HIS_DB_SERVICE_NAME"], "thick_mode": False}

    hsa = documents["AIRFLOW_CONN_HSA_PLATFORM"]
    assert (hsa["conn_type"], hsa["host"], hsa["port"], hsa["schema"]) == ("http", "sim-hsa", 8097, "http")
    assert hsa["password"] == env_example["HSA_SECRET"]
    assert set(hsa["extra"]) == HSA_EXTRA_KEYS
    assert hsa["extra"]["mdtrtarea_admvs"] == "360100"
    assert hsa["extra"]["infver"] == "V1.0"
    assert hsa["extra"]["auth"] in {"tif", "csb", "none"}
    assert hsa["extra"]["path"] == "/fsi/api/rsfComIfsService/callService"


def test_connection_defaults_hold_without_the_optional_variables(services, env_example):
    required_only = {
        key: value
        for key, value in env_example.items()
        if key not in {"HSA_HOST", "HSA_PORT", "HSA_SCHEME", "HSA_AUTH", "HSA_PATH", "HIS_DB_PORT"}
    }
    hsa = json.loads(
        interpolate(merged_env(services["airflow-worker"])["AIRFLOW_CONN_HSA_PLATFORM"], required_only)
    )
    assert (hsa["host"], hsa["port"], hsa["extra"]["auth"]) == ("sim-hsa", 8097, "tif")


def test_missing_required_secret_stops_interpolation(services, env_example):
    without = {key: value for key, value in env_example.items() if key != "HSA_SECRET"}
    with pytest.raises(KeyError, match="HSA_SECRET"):
        interpolate(merged_env(services["airflow-worker"])["AIRFLOW_CONN_HSA_PLATFORM"], without)


def test_hsa_simulator_is_started_with_the_connection_credentials(services):
    sim = services["sim-hsa"]
    command = sim["command"]
    assert command[:3] == ["python", "-m", "simulators.hsa"]
    options = dict(zip(command[3::2], command[4::2], strict=True))
    assert options["--port"] == "8097"
    assert options["--host"] == "0.0.0.0"
    assert options["--auth"] == "${HSA_AUTH:-tif}"
    assert options["--paasid"].startswith("${HSA_PAASID")
    assert options["--area"] == "${HSA_MDTRTAREA_ADMVS:-360100}"
    assert "--secret" not in command, "a secret on the command line is visible to ps"
    assert merged_env(sim)["HSA_SIM_SECRET"].startswith("${HSA_SECRET:?")
    assert sim["ports"] == ["127.0.0.1:8097:8097"]


def test_every_compose_variable_is_documented_in_env_example(compose, env_example):
    undocumented = compose_variables(compose) - set(env_example)
    assert not undocumented, f"add to .env.example: {sorted(undocumented)}"


def test_env_example_documents_only_variables_compose_uses(compose, env_example):
    unused = set(env_example) - compose_variables(compose)
    assert not unused, f"not used by docker-compose.yaml: {sorted(unused)}"


def test_compose_uses_only_braced_variables(compose):
    bare = [
        found
        for _, value in strings_in(compose)
        for found in re.findall(r"\$(?!\{)[A-Za-z_]\w*", value.replace("$$", ""))
    ]
    assert not bare, f"write ${{NAME}}, not $NAME: {bare}"


def test_env_example_holds_placeholders_not_secrets(env_example):
    for name, value in env_example.items():
        if SECRET_NAME.search(name):
            assert value.startswith("change-me"), f"{name} must be a change-me placeholder in .env.example"


def test_compose_holds_no_literal_secret(compose):
    assert literal_secrets(compose) == []


@pytest.mark.parametrize(
    "planted",
    [
        {"environment": {"POSTGRES_PASSWORD": "airflow"}},
        {"environment": {"AIRFLOW__CORE__FERNET_KEY": "abc"}},
        {"environment": {"URL": "postgresql://airflow:airflow@postgres/airflow"}},
        {"environment": {"AIRFLOW_CONN_X": '{"conn_type": "http", "password": "hunter22"}'}},
        {"command": ["python", "-m", "simulators.hsa", "--secret", "hunter22"]},
        {"command": "python -m simulators.hsa --secret hunter22"},
    ],
)
def test_literal_secret_check_catches_planted_secrets(planted):
    assert literal_secrets({"services": {"x": planted}})


def test_postgres_creates_the_ledger_database_from_the_mounted_init_script(services):
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert (
        "./scripts/postgres-init.sql:/docker-entrypoint-initdb.d/10-hisbridge-ledger.sql:ro"
        in postgres["volumes"]
    )
    assert _is_reference(merged_env(postgres)["HISBRIDGE_DB_PASSWORD"])
    sql = POSTGRES_INIT.read_text(encoding="utf-8")
    assert r"\getenv ledger_password HISBRIDGE_DB_PASSWORD" in sql
    assert "CREATE DATABASE hisbridge OWNER hisbridge" in sql
    assert not re.search(r"PASSWORD\s+'", sql), "the ledger password must come from the environment"


def test_init_migrates_and_applies_pools_and_variables_only(services):
    init = services["airflow-init"]
    script = init["command"][-1]
    assert merged_env(init)["_AIRFLOW_DB_MIGRATE"] == "true"
    assert "/entrypoint airflow version" in script
    assert "python scripts/load_airflow_settings.py --only pools --only variables" in script
    assert "airflow-auth:/opt/airflow/auth" in init["volumes"]
    assert "./airflow_settings.yaml:/opt/airflow/airflow_settings.yaml:ro" in init["volumes"]
    assert "airflow-auth:/opt/airflow/auth" in services["airflow-apiserver"]["volumes"]


def test_airflow_services_mount_dags_plugins_include_and_logs(services):
    for name in AIRFLOW_SERVICES:
        volumes = services[name]["volumes"]
        for folder in ("dags", "plugins", "include", "logs"):
            assert f"./{folder}:/opt/airflow/{folder}" in volumes, f"{name}: {folder}"


# --- Dockerfile --------------------------------------------------------------------------------------------


def test_dockerfile_extends_the_official_image_with_our_code():
    instructions = [
        line.strip()
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert instructions[0] == "FROM apache/airflow:3.3.2-python3.11"
    pip = next(line for line in instructions if line.startswith("RUN pip install"))
    assert "--no-cache-dir" in pip and "-r /tmp/hisbridge-requirements.txt" in pip
    assert instructions.index("USER airflow") < instructions.index(pip)
    copies = {line.split()[-2]: line.split()[-1] for line in instructions if line.startswith("COPY")}
    for folder in ("plugins/", "include/", "simulators/"):
        assert copies[folder] == f"/opt/airflow/{folder}"
    for source in copies:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository, the build would fail"
    assert "ENV PYTHONPATH=/opt/airflow/plugins:/opt/airflow" in instructions


# --- airflow_settings.yaml ---------------------------------------------------------------------------------


def test_settings_name_every_connection_of_the_design(settings):
    ids = [connection["conn_id"] for connection in settings["connections"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == DESIGN_CONNECTION_IDS | PLATFORM_CONNECTION_IDS


def test_settings_define_the_platform_pools(settings):
    pools = {pool["pool_name"]: pool for pool in settings["pools"]}
    assert {name: pool["pool_slot"] for name, pool in pools.items()} == EXPECTED_POOLS
    assert pools["hsa_platform"]["pool_description"] == "医保平台并发上限"
    assert pools["his_read"]["pool_description"] == "HIS 读库负载"
    assert all(pool.get("pool_description") for pool in pools.values())


def test_settings_define_the_hsa_delivery_variables(settings):
    variables = {variable["variable_name"]: variable["variable_value"] for variable in settings["variables"]}
    assert variables["hsa_delivery_mode"] in {"batch", "single"}
    assert variables["hsa_batch_size"] == "200"


def test_local_hsa_connection_points_at_the_simulator_with_a_demo_secret(settings):
    hsa = next(
        connection for connection in settings["connections"] if connection["conn_id"] == "hsa_platform"
    )
    assert (hsa["conn_type"], hsa["conn_host"], hsa["conn_port"], hsa["conn_schema"]) == (
        "http",
        "127.0.0.1",
        8097,
        "http",
    )
    assert hsa["conn_password"] == DEMO_SECRET
    assert set(hsa["conn_extra"]) == HSA_EXTRA_KEYS, "same extras as AIRFLOW_CONN_HSA_PLATFORM in compose"
    assert hsa["conn_extra"]["fixmedins_code"] == "H36010000001"
    assert hsa["conn_extra"]["fixmedins_name"] == "南昌市第一医院"
    assert hsa["conn_extra"]["paasid"] == "hisbridge-demo"
    assert hsa["conn_extra"]["auth"] == "tif"


def test_local_databases_are_sqlite_files_under_var(settings):
    by_id = {connection["conn_id"]: connection for connection in settings["connections"]}
    assert by_id["his_db"]["conn_host"] == "var/demo/his.db"
    assert by_id["hisbridge_db"]["conn_host"] == "var/demo/ledger.db"
    for conn_id in ("his_db", "hisbridge_db", "cdc_frontend_db", "jiulonghu_his"):
        assert by_id[conn_id]["conn_type"] == "sqlite"
        assert by_id[conn_id]["conn_host"].startswith("var/")


# --- scripts/load_airflow_settings.py ----------------------------------------------------------------------


def test_dry_run_prints_the_airflow_commands_with_passwords_masked(tmp_path):
    result = run_loader("--dry-run", "--airflow", "airflow", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert DEMO_SECRET not in result.stdout
    commands = [shlex.split(line) for line in result.stdout.splitlines()]

    assert commands[0] == ["airflow", "pools", "set", "hsa_platform", "4", "医保平台并发上限"]
    assert ["airflow", "pools", "set", "his_read", "4", "HIS 读库负载"] in commands
    assert [command[3] for command in commands if command[1:3] == ["pools", "set"]] == list(EXPECTED_POOLS)
    assert [
        "airflow",
        "variables",
        "set",
        "hsa_batch_size",
        "200",
        "--description",
        "医保批量交易每批条数",
    ] in commands

    adds = {
        command[3]: json.loads(command[5]) for command in commands if command[1:3] == ["connections", "add"]
    }
    deletes = [command[3] for command in commands if command[1:3] == ["connections", "delete"]]
    assert set(adds) == set(deletes) == DESIGN_CONNECTION_IDS | PLATFORM_CONNECTION_IDS
    for conn_id in DESIGN_CONNECTION_IDS | PLATFORM_CONNECTION_IDS:
        assert commands.index(["airflow", "connections", "delete", conn_id]) + 1 == next(
            index for index, command in enumerate(commands) if command[1:4] == ["connections", "add", conn_id]
        ), f"{conn_id}: delete must come right before add"
    assert adds["hsa_platform"]["password"] == adds["mutual_workstation"]["password"] == "***"
    assert adds["city_brain_api"]["extra"]["callers"]["citybrain-demo"]["secret"] == "***"  # nested, masked too
    assert adds["hsa_platform"]["extra"]["fixmedins_name"] == "南昌市第一医院"
    assert adds["his_db"] == {
        "conn_type": "sqlite",
        "host": str(ROOT / "var" / "demo" / "his.db"),
        "description": adds["his_db"]["description"],
    }


def test_dry_run_of_the_compose_init_touches_no_connection(tmp_path):
    result = run_loader(
        "--dry-run", "--airflow", "airflow", "--only", "pools", "--only", "variables", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    verbs = {tuple(shlex.split(line)[1:3]) for line in result.stdout.splitlines()}
    assert verbs == {("pools", "set"), ("variables", "set")}


def test_dry_run_masks_secret_extras_and_variables_and_resolves_paths_from_the_repo_root(tmp_path):
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(
        textwrap.dedent(
            """\
            airflow:
              connections:
                - conn_id: platform
                  conn_type: http
                  conn_host: example.invalid
                  conn_login: app
                  conn_password: pw-123456789
                  conn_extra: {api_token: tok-123456789, region: "360100"}
                - conn_id: relative_db
                  conn_type: sqlite
                  conn_host: var/x.db
                - conn_id: absolute_db
                  conn_type: sqlite
                  conn_host: /srv/data/y.db
                - conn_id: memory_db
                  conn_type: sqlite
                  conn_host: ":memory:"
              variables:
                - variable_name: gateway_secret
                  variable_value: var-123456789
                - variable_name: limits
                  variable_value: {batch: 50}
            """
        ),
        encoding="utf-8",
    )
    result = run_loader("--dry-run", "--airflow", "airflow", "--file", str(settings_file), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for secret in ("pw-123456789", "tok-123456789", "var-123456789"):
        assert secret not in result.stdout
    commands = [shlex.split(line) for line in result.stdout.splitlines()]
    adds = {
        command[3]: json.loads(command[5]) for command in commands if command[1:3] == ["connections", "add"]
    }
    assert adds["platform"]["password"] == "***"
    assert adds["platform"]["extra"] == {"api_token": "***", "region": "360100"}
    assert adds["platform"]["login"] == "app"
    assert adds["relative_db"]["host"] == str(ROOT / "var" / "x.db")
    assert adds["absolute_db"]["host"] == "/srv/data/y.db"
    assert adds["memory_db"]["host"] == ":memory:"
    assert ["airflow", "variables", "set", "gateway_secret", "***"] in commands
    assert ["airflow", "variables", "set", "limits", '{"batch": 50}'] in commands


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("pools: [{pool_name: p}]", "pool 'p': pool_slot must be an integer"),
        ("pools: [{pool_name: p, pool_slot: '4'}]", "pool 'p': pool_slot must be an integer"),
        ("variables: [{variable_name: v}]", "variable 'v': variable_value is missing"),
        ("connections: [{conn_id: c}]", "connection 'c': conn_type is missing"),
        ("connections: [{conn_id: c, conn_uri: 'http://x'}]", "conn_uri is not supported"),
        ("connections: [{conn_id: c, conn_type: http, conn_hots: x}]", "unknown keys ['conn_hots']"),
        ("connections: [{conn_id: c, conn_type: http, conn_extra: 'a=b'}]", "conn_extra must be a mapping"),
        ("connections: [{conn_type: http}]", "conn_id is missing"),
    ],
)
def test_invalid_settings_are_refused_with_the_entry_named(tmp_path, entry, message):
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(f"airflow:\n  {entry}\n", encoding="utf-8")
    result = run_loader("--dry-run", "--airflow", "airflow", "--file", str(settings_file))
    assert result.returncode == 2
    assert message in result.stderr


FAKE_AIRFLOW = """\
#!{python}
# A stand-in for the airflow CLI: connections live in a JSON file; every call is logged.
import json, pathlib, sys
state_file = pathlib.Path({state!r})
state = json.loads(state_file.read_text()) if state_file.exists() else {{"connections": {{}}, "pools": {{}}}}
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:3] == ["connections", "add", "fail_me"]:
    print("boom; argv was " + " ".join(args), file=sys.stderr)
    sys.exit(1)
if args[:2] == ["pools", "set"]:
    state["pools"][args[2]] = int(args[3])
elif args[:2] == ["connections", "delete"]:
    if args[2] not in state["connections"]:
        print("Did not find a connection with `conn_id`=" + args[2], file=sys.stderr)
        sys.exit(1)
    del state["connections"][args[2]]
elif args[:2] == ["connections", "add"]:
    if args[2] in state["connections"]:
        print("A connection with `conn_id`=" + args[2] + " already exists.", file=sys.stderr)
        sys.exit(1)
    state["connections"][args[2]] = json.loads(args[4])
state_file.write_text(json.dumps(state))
"""


@pytest.fixture
def fake_airflow(tmp_path) -> tuple[Path, Path, Path]:
    state, log = tmp_path / "state.json", tmp_path / "calls.log"
    executable = tmp_path / "airflow"
    executable.write_text(FAKE_AIRFLOW.format(python=sys.executable, state=str(state), log=str(log)))
    executable.chmod(0o755)
    return executable, state, log


def test_applying_twice_gives_the_same_state(fake_airflow):
    executable, state, log = fake_airflow
    first = run_loader("--airflow", str(executable))
    assert first.returncode == 0, first.stderr
    after_first = json.loads(state.read_text())
    second = run_loader("--airflow", str(executable))
    assert second.returncode == 0, second.stderr
    assert json.loads(state.read_text()) == after_first
    assert set(after_first["connections"]) == DESIGN_CONNECTION_IDS | PLATFORM_CONNECTION_IDS
    assert after_first["connections"]["hsa_platform"]["password"] == DEMO_SECRET
    assert after_first["pools"] == EXPECTED_POOLS
    assert DEMO_SECRET not in first.stdout + first.stderr + second.stdout + second.stderr
    # each pool, each of the 7 variables and each connection (deleted, then added), applied twice
    assert len(log.read_text().splitlines()) == 2 * (len(EXPECTED_POOLS) + 7 + 2 * len(DESIGN_CONNECTION_IDS | PLATFORM_CONNECTION_IDS))


def test_a_failing_command_stops_the_run_with_its_output_masked(fake_airflow, tmp_path):
    executable, state, log = fake_airflow
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(
        "airflow:\n"
        "  connections:\n"
        "    - {conn_id: fail_me, conn_type: http, conn_password: pw-123456789}\n"
        "    - {conn_id: never_reached, conn_type: http}\n",
        encoding="utf-8",
    )
    result = run_loader("--airflow", str(executable), "--file", str(settings_file))
    assert result.returncode == 1
    assert "boom; argv was connections add fail_me" in result.stderr
    assert "pw-123456789" not in result.stdout + result.stderr
    assert "***" in result.stderr
    calls = [json.loads(line)[:3] for line in log.read_text().splitlines()]
    assert calls == [["connections", "delete", "fail_me"], ["connections", "add", "fail_me"]]


def test_connection_secrets_are_masked_in_command_output(loader_module):
    command = loader_module.connection_commands(
        [{"conn_id": "c", "conn_type": "http", "conn_password": "pw-123456789"}], "airflow"
    )[1]
    assert command.secrets == ("pw-123456789",)
    assert "pw-123456789" in command.argv[-1]
    assert "pw-123456789" not in command.display()
    assert loader_module.redact("argv was pw-123456789", command.secrets) == "argv was ***"
