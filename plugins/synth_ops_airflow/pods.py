"""Pod fields of a synth-ops step, built from the deployment settings.

Every step pod runs the worker image's ``synth-ops`` with the step's
arguments. GPU candidates (``gpu_candidates``) also get an ``nvidia.com/gpu``
limit, the GPU node selector and the GPU tolerations; every other step runs
on ordinary nodes. Credentials come only from the Secret named by
``s3_secret_name``, attached with ``envFrom``, so no secret value appears in
a DAG, a pod spec or the Airflow database.
"""

from __future__ import annotations

import re

from kubernetes.client import models as k8s

from synth_ops_airflow.config import LauncherSettings, SettingsError

#: Label keys put on every step pod, so operators can find them with kubectl.
STEP_LABEL = "synth-ops.io/step"
DATASET_LABEL = "synth-ops.io/dataset"
CANDIDATE_LABEL = "synth-ops.io/candidate"
APP_LABELS = {"app.kubernetes.io/name": "synth-ops", "app.kubernetes.io/component": "worker"}


def container_resources(settings: LauncherSettings, candidate: str | None) -> k8s.V1ResourceRequirements:
    """Return the CPU and memory requests and limits, plus a GPU limit for GPU candidates."""
    requests = {"cpu": settings.cpu_request, "memory": settings.memory_request}
    limits = {"cpu": settings.cpu_limit, "memory": settings.memory_limit}
    if settings.uses_gpu(candidate):
        # Kubernetes takes extended resources such as GPUs as limits; the
        # request defaults to the limit.
        limits["nvidia.com/gpu"] = settings.gpu_limit
    return k8s.V1ResourceRequirements(requests=requests, limits=limits)


def node_selector(settings: LauncherSettings, candidate: str | None) -> dict[str, str]:
    return dict(settings.gpu_node_selector) if settings.uses_gpu(candidate) else {}


#: Fields of a toleration as written in a manifest, mapped to the client's attribute names.
_TOLERATION_FIELDS = {
    "key": "key",
    "operator": "operator",
    "value": "value",
    "effect": "effect",
    "tolerationSeconds": "toleration_seconds",
}


def tolerations(settings: LauncherSettings, candidate: str | None) -> list[k8s.V1Toleration]:
    """Return the GPU tolerations for GPU candidates, and none for the others."""
    if not settings.uses_gpu(candidate):
        return []
    result = []
    for item in settings.gpu_tolerations:
        unknown = sorted(set(item) - set(_TOLERATION_FIELDS))
        if unknown:
            raise SettingsError(
                f"setting gpu_tolerations has unknown field {unknown[0]!r}: use "
                f"{', '.join(_TOLERATION_FIELDS)}"
            )
        result.append(k8s.V1Toleration(**{_TOLERATION_FIELDS[name]: value for name, value in item.items()}))
    return result


def env_from(settings: LauncherSettings) -> list[k8s.V1EnvFromSource]:
    """Attach every key of the credentials Secret as an environment variable, by reference."""
    return [k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name=settings.s3_secret_name))]


def env_vars(settings: LauncherSettings) -> list[k8s.V1EnvVar]:
    """Return the non-secret environment of a step pod."""
    values = {**settings.worker_environment(), "PYTHONUNBUFFERED": "1"}
    return [k8s.V1EnvVar(name=name, value=value) for name, value in sorted(values.items())]


def _label_value(text: str) -> str:
    """Fit ``text`` to a label value: at most 63 characters, starting and ending with a letter or digit."""
    value = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:63]
    return value.strip("_.-")


def labels(step: str, dataset: str | None, candidate: str | None) -> dict[str, str]:
    result = {**APP_LABELS, STEP_LABEL: step}
    if dataset:
        result[DATASET_LABEL] = _label_value(dataset)
    if candidate:
        result[CANDIDATE_LABEL] = _label_value(candidate)
    return result


def pod_name(step: str, candidate: str | None) -> str:
    """Return the pod name stem; KubernetesPodOperator adds a random suffix."""
    parts = ["synth-ops", step] + ([candidate] if candidate else [])
    return "-".join(parts).replace("_", "-")


def image_pull_secrets(settings: LauncherSettings) -> list[k8s.V1LocalObjectReference]:
    if not settings.image_pull_secret:
        return []
    return [k8s.V1LocalObjectReference(name=settings.image_pull_secret)]
