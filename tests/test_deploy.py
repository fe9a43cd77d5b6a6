"""The deployment files, checked without Docker: compose structure, the image, the MinIO policies.

There is no container engine in CI, so these tests read the files as data. They pin down what
would otherwise only fail at deploy time (a service without a healthcheck, an Airflow service that
misses the project's settings) and keep the committed MinIO policies and user script identical
to what provincial_reports.tools.province_access generates, so a province's access cannot drift from
the declared list of provinces.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from airflow_harness import CELERY_SETTINGS, IDLE_SETTINGS, WORKER_OPTIONS
from provincial_reports.config import PROJECT_ROOT
from provincial_reports.declarations import provinces
from provincial_reports.tools.province_access import (
    mc_script,
    password_variable,
    pipeline_policy,
    policy_for,
    write_policies,
)

COMPOSE = PROJECT_ROOT / "docker-compose.yaml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
MINIO = PROJECT_ROOT / "deploy" / "minio"
POLICIES = MINIO / "policies"
USER_SCRIPT = MINIO / "create-province-users.sh"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
ONE_OFF_SERVICES = ("airflow-init", "minio-init")
ALL_SERVICES = ("postgres", "redis", "minio", *ONE_OFF_SERVICES, *AIRFLOW_SERVICES)
# Airflow's own folders under /opt/airflow; the installed package's under /opt/reports (Dockerfile).
PROJECT_MOUNTS = {
    "dags": "/opt/airflow/dags",
    "plugins": "/opt/airflow/plugins",
    "src": "/opt/reports/src",
    "expectations": "/opt/reports/expectations",
    "sql": "/opt/reports/sql",
}
WRITE_ACTIONS = {"s3:PutObject"}


@pytest.fixture(scope="module")
def compose() -> dict:
    # safe_load resolves the `<<: *airflow-common` merge keys, as docker compose does.
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def statements(policy: dict) -> list[dict]:
    return policy["Statement"]


def actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def resources(statement: dict) -> list[str]:
    resource = statement["Resource"]
    return [resource] if isinstance(resource, str) else resource


def committed_policies() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(POLICIES.glob("*"))}


# --- docker-compose.yaml ---------------------------------------------------------------------


def test_compose_has_every_service(services: dict) -> None:
    assert set(ALL_SERVICES) <= set(services)


@pytest.mark.parametrize("name", [s for s in ALL_SERVICES if s not in ONE_OFF_SERVICES])
def test_long_running_services_have_a_healthcheck(services: dict, name: str) -> None:
    healthcheck = services[name].get("healthcheck", {})
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)


def test_postgres_is_checked_with_pg_isready(services: dict) -> None:
    assert services["postgres"]["image"] in ("postgres:15", "postgres:16")
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]


def test_minio_exposes_its_console(services: dict) -> None:
    command = services["minio"]["command"]
    assert "--console-address" in command
    console_port = command[command.index("--console-address") + 1].lstrip(":")
    assert any(str(port).endswith(f":{console_port}") for port in services["minio"]["ports"])


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_services_share_the_common_environment(compose: dict, services: dict, name: str) -> None:
    common = compose["x-airflow-common"]["environment"]
    environment = services[name]["environment"]
    assert common.items() <= environment.items(), f"{name} overrides or misses x-airflow-common's environment"


def test_common_environment_runs_the_project_on_celery(compose: dict) -> None:
    environment = compose["x-airflow-common"]["environment"]
    assert CELERY_SETTINGS.items() <= environment.items(), "the Celery settings test_celery.py runs with"
    assert IDLE_SETTINGS.items() <= environment.items(), "the idle settings bench/latency.py measured"
    assert environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
    assert re.match(r"redis://(:@)?redis:6379/", environment["AIRFLOW__CELERY__BROKER_URL"])
    assert environment["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg://")
    assert environment["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert environment["REPORTS_LANDING"] == "s3://landing/"
    assert environment["REPORTS_LAKE"] == "s3://lake/"
    assert environment["REPORTS_OUTBOX"] == "s3://outbox/"
    assert environment["REPORTS_WAREHOUSE"] == "postgresql://reports_loader@postgres:5432/reports"
    assert environment["AWS_ENDPOINT_URL"] == "http://minio:9000"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= environment.keys()


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_services_mount_the_project(services: dict, name: str) -> None:
    targets = {volume.split(":")[1] for volume in services[name]["volumes"]}
    for folder, target in PROJECT_MOUNTS.items():
        assert target in targets, f"{name} does not mount ./{folder}"


def test_the_api_server_serves_the_site_the_workers_draw(compose: dict, services: dict) -> None:
    # The report task writes REPORTS_SITE on a worker; the plugin serves it from the api-server.
    site = compose["x-airflow-common"]["environment"]["REPORTS_SITE"]

    def mounted(name: str) -> set[str]:
        return {v.split(":")[0] for v in services[name]["volumes"] if v.split(":")[1] == site}

    assert mounted("airflow-worker") == mounted("airflow-apiserver") == {"report-site"}
    assert "report-site" in compose["volumes"]
    assert site in services["airflow-init"]["command"][-1]  # chowned to the airflow user, who writes it


@pytest.mark.parametrize("name", [s for s in AIRFLOW_SERVICES if s != "airflow-init"])
def test_airflow_services_wait_for_their_dependencies(services: dict, name: str) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"


def test_workers_wait_for_the_buckets_and_users(services: dict) -> None:
    assert services["airflow-worker"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    assert services["airflow-worker"]["command"] == " ".join(["celery", "worker", *WORKER_OPTIONS])


def test_no_secret_has_a_default() -> None:
    """`${X:-default}` is fine for names and ports; for a password it would ship a known secret."""
    text = COMPOSE.read_text(encoding="utf-8")
    assert not re.findall(r"\$\{\w*(?:PASSWORD|SECRET)\w*:-", text)


# --- the image -------------------------------------------------------------------------------


def test_airflow_image_is_built_from_the_dockerfile(compose: dict, services: dict) -> None:
    for name in AIRFLOW_SERVICES:
        assert services[name]["build"] == compose["x-airflow-common"]["build"]
    build = compose["x-airflow-common"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (PROJECT_ROOT / context / dockerfile).resolve() == DOCKERFILE.resolve()


def test_dockerfile_extends_airflow_with_the_pinned_requirements() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM apache/airflow:3.3.2"
    copy = next(line for line in instructions if line.startswith("COPY"))
    assert "requirements.txt" in copy and "constraints.txt" in copy
    install = next(line for line in instructions if line.startswith("RUN") and "pip install" in line)
    assert re.search(r"-r \S*requirements\.txt", install) and re.search(r"-c \S*constraints\.txt", install)
    users = [line for line in instructions[: instructions.index(install)] if line.startswith("USER")]
    assert users and users[-1] == "USER airflow", "the official image wants pip run as the airflow user"


# --- MinIO: the user script and the policies -------------------------------------------------


def test_minio_init_runs_the_province_user_script(services: dict) -> None:
    init = services["minio-init"]
    assert "minio/mc" in init["image"]
    mounts = dict(volume.split(":")[:2] for volume in init["volumes"])
    script_in_container = mounts["./deploy/minio/create-province-users.sh"]
    assert script_in_container in init["entrypoint"] + init.get("command", [])
    assert mounts["./deploy/minio/policies"] == init["environment"]["POLICIES"]
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"


def test_committed_user_script_is_the_generated_one() -> None:
    assert USER_SCRIPT.read_text(encoding="utf-8") == mc_script(), (
        "regenerate: python -m provincial_reports.cli access mc-script > deploy/minio/create-province-users.sh"
    )


def test_user_script_never_holds_a_password() -> None:
    script = USER_SCRIPT.read_text(encoding="utf-8")
    for line in script.splitlines():
        if "mc admin user add" in line:
            assert re.search(r'"\$\{?\w+\}?"', line.split("user add local", 1)[1]), line
    for code in provinces():
        assert f'"${password_variable(code)}"' in script


def test_committed_policies_are_the_generated_ones(tmp_path: Path) -> None:
    generated = {path.name: path.read_text(encoding="utf-8") for path in write_policies(tmp_path)}
    committed = {path.name: path.read_text(encoding="utf-8") for path in POLICIES.iterdir()}
    assert committed == generated, "regenerate: python -m provincial_reports.cli access write deploy/minio/policies"
    assert len(committed) == len(provinces()) == 31


@pytest.mark.parametrize("code", sorted(provinces()))
def test_province_writes_only_under_its_own_prefix(code: str) -> None:
    policy = committed_policies()[code]
    for statement in statements(policy):
        assert statement["Effect"] == "Allow"
        if WRITE_ACTIONS & set(actions(statement)):
            assert resources(statement) == [f"arn:aws:s3:::landing/{code}/*"]
        if "s3:ListBucket" in actions(statement):
            assert statement["Condition"] == {"StringLike": {"s3:prefix": [f"{code}/*", f"{code}/"]}}
    text = json.dumps(policy)
    others = [other for other in provinces() if other != code and other in text]
    assert not others, f"{code}'s policy names other provinces: {others}"


@pytest.mark.parametrize("code", sorted(provinces()))
def test_province_reads_only_its_own_objects(code: str) -> None:
    own = (
        "arn:aws:s3:::landing",
        f"arn:aws:s3:::landing/{code}/*",
        "arn:aws:s3:::outbox",
        f"arn:aws:s3:::outbox/{code}/*",
    )
    read = set()
    for statement in statements(committed_policies()[code]):
        for resource in resources(statement):
            assert resource in own
            read |= {resource} if "s3:GetObject" in actions(statement) else set()
    assert read == {f"arn:aws:s3:::landing/{code}/*", f"arn:aws:s3:::outbox/{code}/*"}, "its uploads and its receipts"


@pytest.mark.parametrize("name", [*sorted(committed_policies()), "pipeline"])
def test_no_policy_deletes_or_uses_wildcard_actions(name: str) -> None:
    policy = pipeline_policy() if name == "pipeline" else committed_policies()[name]
    for statement in statements(policy):
        for action in actions(statement):
            assert "*" not in action, f"{name}: wildcard action {action}"
            assert not action.startswith("s3:Delete"), f"{name}: {action}"
            assert not action.startswith("admin:"), f"{name}: {action}"


def test_pipeline_cannot_write_the_landing_zone() -> None:
    for statement in statements(pipeline_policy()):
        if WRITE_ACTIONS & set(actions(statement)):
            assert all(
                resource.startswith(("arn:aws:s3:::lake/", "arn:aws:s3:::outbox/")) for resource in resources(statement)
            )


@pytest.mark.parametrize("code", ["*", "110000/*", "999999", "", "11000"])
def test_only_declared_provinces_get_a_policy(code: str) -> None:
    with pytest.raises(ValueError):
        policy_for(code)


def test_the_image_installs_the_package_and_nothing_rides_on_pythonpath(compose: dict) -> None:
    """The code is an installed package (editable, so compose's mounts of src/ take effect), never
    a folder on PYTHONPATH or in Airflow's plugins folder."""
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    installs = [line for line in lines if line.startswith("RUN pip install") and "-e /opt/reports" in line]
    assert installs and "--no-deps" in installs[0], "the package goes in on top of the pinned requirements"
    assert "PYTHONPATH" not in compose["x-airflow-common"]["environment"]
