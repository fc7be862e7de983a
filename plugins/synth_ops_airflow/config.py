"""Deployment settings of the synth-ops DAGs, resolved when a task runs.

Each setting is looked up in this order:

1. the environment variable ``SYNTH_OPS_<NAME>`` (set by the Helm values or
   the shell that starts Airflow);
2. the Airflow Variable ``synth_ops_<name>`` (editable in the UI, or set as
   ``AIRFLOW_VAR_SYNTH_OPS_<NAME>``);
3. the default listed in ``SETTINGS``.

Nothing here runs at DAG parse time: the DAG files only reference the
functions, and tasks, operators and triggers call ``load_settings`` when they
run. A required setting that is unset or still contains ``CHANGE_ME`` raises
``SettingsError`` naming the environment variable and the Variable to set.
No setting contains a secret. S3 credentials reach pods through the Kubernetes
Secret named by ``s3_secret_name`` and reach local subprocesses through the
environment that Airflow itself runs with.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow.sdk.exceptions import AirflowException

logger = logging.getLogger(__name__)

#: Marker for values that a deployment must replace.
PLACEHOLDER = "CHANGE_ME"

LAUNCHER_MODES = ("kubernetes", "local")

#: The repository root when the plugins folder sits in a checkout of synth-ops.
_REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(AirflowException):
    """A deployment setting is missing, still a placeholder, or invalid."""


@dataclass(frozen=True)
class Setting:
    """One documented setting: its default and what it controls."""

    name: str
    default: str
    description: str

    @property
    def environment_variable(self) -> str:
        return f"SYNTH_OPS_{self.name.upper()}"

    @property
    def variable_key(self) -> str:
        return f"synth_ops_{self.name}"


_DEFINITIONS = [
    Setting("landing_url", "s3://synth-landing", "Where data owners drop tables, as <landing>/<dataset>/<file>."),
    Setting("work_url", "s3://synth-work", "Work area of the runs: prepared data, candidates, decisions."),
    Setting("registry_url", "s3://synth-registry", "Generator registry: versions and champion pointers."),
    Setting("launcher", "kubernetes", "How steps run: 'kubernetes' (one pod per step) or 'local' (a subprocess)."),
    Setting("worker_image", PLACEHOLDER, "Worker image with synth-ops and the candidate libraries (kubernetes mode)."),
    Setting("image_pull_policy", "IfNotPresent", "Pull policy of the worker image."),
    Setting("image_pull_secret", "", "Name of an existing docker-registry Secret for the worker image; empty for none."),
    Setting("namespace", "synth-ops", "Namespace of the step pods."),
    Setting("service_account", "synth-ops-worker", "Service account of the step pods."),
    Setting("kubernetes_conn_id", "kubernetes_default", "Airflow connection to the cluster; the default means in-cluster."),
    Setting("s3_secret_name", "synth-ops-s3", "Existing Kubernetes Secret whose keys become the pods' environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optionally SYNTH_OPS_SIGNING_KEY)."),
    Setting("s3_endpoint_url", "", "S3 API endpoint such as http://minio.minio:9000; empty for AWS itself."),
    Setting("s3_region", "", "S3 signing region; empty leaves boto3's default (us-east-1 for synth-ops)."),
    Setting("s3_verify_tls", "", "true, false or a CA bundle path inside the worker; empty for boto3's default."),
    Setting("cpu_request", "1", "CPU request of every step pod."),
    Setting("cpu_limit", "2", "CPU limit of every step pod."),
    Setting("memory_request", "4Gi", "Memory request of every step pod."),
    Setting("memory_limit", "8Gi", "Memory limit of every step pod."),
    Setting("gpu_candidates", "ctgan,tvae,copula_gan,tabular_argn", "Comma-separated candidates that get a GPU, the GPU node selector and the tolerations."),
    Setting("gpu_limit", "1", "nvidia.com/gpu limit of a GPU candidate's pod."),
    Setting("gpu_node_selector", '{"nvidia.com/gpu.present": "true"}', "JSON object: node selector of GPU candidates' pods."),
    Setting("gpu_tolerations", '[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]', "JSON list: tolerations of GPU candidates' pods."),
    Setting("startup_timeout_seconds", "600", "Seconds a pod may stay pending (image pull, scheduling) before the task fails."),
    Setting("worker_bin", str(_REPOSITORY_ROOT / ".venv" / "bin" / "synth-ops"), "The worker environment's synth-ops executable (local mode)."),
    Setting("landing_poll_seconds", "60", "Seconds between two listings of the landing bucket by the arrival trigger."),
    Setting("publish_rows", "0", "Rows of the refreshed published synthetic dataset; 0 keeps the champion's published row count."),
]

#: Every setting by name, in documentation order.
SETTINGS: dict[str, Setting] = {setting.name: setting for setting in _DEFINITIONS}


@dataclass(frozen=True)
class LauncherSettings:
    """The resolved deployment settings that launching a step needs."""

    landing_url: str
    work_url: str
    registry_url: str
    launcher: str
    worker_image: str
    image_pull_policy: str
    image_pull_secret: str
    namespace: str
    service_account: str
    kubernetes_conn_id: str
    s3_secret_name: str
    s3_endpoint_url: str
    s3_region: str
    s3_verify_tls: str
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    gpu_candidates: tuple[str, ...]
    gpu_limit: str
    gpu_node_selector: dict[str, str]
    gpu_tolerations: list[dict[str, Any]]
    startup_timeout_seconds: int
    worker_bin: str
    landing_poll_seconds: float
    publish_rows: int
    #: Where each value came from: "environment", "variable" or "default".
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def uses_gpu(self, candidate: str | None) -> bool:
        """Tell whether ``candidate`` is one of the configured GPU candidates."""
        return candidate is not None and candidate in self.gpu_candidates

    def worker_environment(self) -> dict[str, str]:
        """Return the non-secret S3 variables that every step process gets, leaving out unset ones."""
        values = {
            "SYNTH_OPS_S3_ENDPOINT_URL": self.s3_endpoint_url,
            "AWS_REGION": self.s3_region,
            "SYNTH_OPS_S3_VERIFY_TLS": self.s3_verify_tls,
        }
        return {name: value for name, value in values.items() if value}

    def require_kubernetes(self) -> None:
        """Raise ``SettingsError`` unless every setting that kubernetes mode needs is filled in."""
        for name in ("worker_image", "namespace", "service_account", "s3_secret_name"):
            _require(name, getattr(self, name))

    def require_local(self) -> None:
        """Raise ``SettingsError`` unless ``worker_bin`` names an executable file."""
        _require("worker_bin", self.worker_bin)
        path = Path(self.worker_bin)
        if not path.is_file() or not os.access(path, os.X_OK):
            setting = SETTINGS["worker_bin"]
            raise SettingsError(
                f"worker_bin {self.worker_bin!r} is not an executable file: set "
                f"{setting.environment_variable} or the Variable {setting.variable_key} to the "
                "synth-ops executable of the worker environment (the one with the candidate libraries)"
            )


def _require(name: str, value: str) -> None:
    if not value or PLACEHOLDER in value:
        setting = SETTINGS[name]
        raise SettingsError(
            f"setting {name} is required but {'unset' if not value else f'still the placeholder {value!r}'}: "
            f"set the environment variable {setting.environment_variable} or the Airflow Variable "
            f"{setting.variable_key} ({setting.description})"
        )


def _lookup_variable(key: str) -> str | None:
    """Return the Airflow Variable ``key``, or ``None`` when it is not set."""
    from airflow.sdk import Variable

    value = Variable.get(key, default=None)
    return None if value is None else str(value)


def read_setting(name: str) -> tuple[str, str]:
    """Return the raw value of setting ``name`` and where it came from."""
    setting = SETTINGS[name]
    value = os.environ.get(setting.environment_variable)
    if value is not None and value.strip():
        return value.strip(), "environment"
    value = _lookup_variable(setting.variable_key)
    if value is not None and value.strip():
        return value.strip(), "variable"
    return setting.default, "default"


def _parse_json(name: str, text: str, kind: type) -> Any:
    try:
        value = json.loads(text) if text else kind()
    except json.JSONDecodeError as error:
        raise SettingsError(f"setting {name} is not valid JSON ({error}): {text!r}") from None
    if not isinstance(value, kind):
        raise SettingsError(f"setting {name} must be a JSON {kind.__name__}, not {type(value).__name__}: {text!r}")
    return value


def _parse_number(name: str, text: str, kind: type, minimum: float) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingsError(f"setting {name}={text!r} is invalid: use a {kind.__name__} of at least {minimum}")
    return value


def load_settings() -> LauncherSettings:
    """Resolve every setting (environment, then Variables, then defaults) and validate the values.

    Only values are validated here. Whether the settings of a launcher mode are
    complete is checked by ``require_kubernetes`` and ``require_local`` when a
    step is launched.
    """
    raw: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in SETTINGS:
        raw[name], sources[name] = read_setting(name)

    launcher = raw["launcher"].lower()
    if launcher not in LAUNCHER_MODES:
        raise SettingsError(
            f"setting launcher={raw['launcher']!r} is invalid: use one of {', '.join(LAUNCHER_MODES)}"
        )
    for name in ("landing_url", "work_url", "registry_url"):
        _require(name, raw[name])

    tolerations = _parse_json("gpu_tolerations", raw["gpu_tolerations"], list)
    if not all(isinstance(item, dict) for item in tolerations):
        raise SettingsError(f"setting gpu_tolerations must be a JSON list of objects: {raw['gpu_tolerations']!r}")
    node_selector = _parse_json("gpu_node_selector", raw["gpu_node_selector"], dict)

    settings = LauncherSettings(
        landing_url=raw["landing_url"].rstrip("/"),
        work_url=raw["work_url"].rstrip("/"),
        registry_url=raw["registry_url"].rstrip("/"),
        launcher=launcher,
        worker_image=raw["worker_image"],
        image_pull_policy=raw["image_pull_policy"],
        image_pull_secret=raw["image_pull_secret"],
        namespace=raw["namespace"],
        service_account=raw["service_account"],
        kubernetes_conn_id=raw["kubernetes_conn_id"],
        s3_secret_name=raw["s3_secret_name"],
        s3_endpoint_url=raw["s3_endpoint_url"],
        s3_region=raw["s3_region"],
        s3_verify_tls=raw["s3_verify_tls"],
        cpu_request=raw["cpu_request"],
        cpu_limit=raw["cpu_limit"],
        memory_request=raw["memory_request"],
        memory_limit=raw["memory_limit"],
        gpu_candidates=tuple(part.strip() for part in raw["gpu_candidates"].split(",") if part.strip()),
        gpu_limit=raw["gpu_limit"],
        gpu_node_selector={str(key): str(value) for key, value in node_selector.items()},
        gpu_tolerations=tolerations,
        startup_timeout_seconds=_parse_number("startup_timeout_seconds", raw["startup_timeout_seconds"], int, 1),
        worker_bin=raw["worker_bin"],
        landing_poll_seconds=_parse_number("landing_poll_seconds", raw["landing_poll_seconds"], float, 1),
        publish_rows=_parse_number("publish_rows", raw["publish_rows"], int, 0),
        sources=sources,
    )
    logger.debug("Resolved synth-ops settings: launcher %s, sources %s", settings.launcher, sources)
    return settings


def nightly_schedule() -> str:
    """Return the cron expression of the nightly DAG from ``SYNTH_OPS_NIGHTLY_SCHEDULE``.

    This one setting is read when the DAG file is parsed, because a schedule is
    part of the DAG's definition. It comes from the environment only, never
    from an Airflow Variable, so parsing never queries the database.
    """
    return os.environ.get("SYNTH_OPS_NIGHTLY_SCHEDULE", "").strip() or "0 2 * * *"
