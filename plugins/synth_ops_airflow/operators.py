"""The operator that runs one synth-ops step, in a pod or as a local subprocess.

``SynthStepOperator`` is a ``KubernetesPodOperator`` whose pod fields come
from the deployment settings when the task runs, not when the DAG is parsed.
With ``launcher=kubernetes`` it fills in those fields and runs the pod as the
provider does. With ``launcher=local`` it runs the same command and arguments
with the worker environment's ``synth-ops`` executable instead. Which one
runs is configuration, so the DAGs are the same in both modes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from synth_ops_airflow import pods
from synth_ops_airflow.config import LauncherSettings, load_settings
from synth_ops_airflow.local import StepProcess, child_environment

#: Path of the file from which KubernetesPodOperator's sidecar reads a pod's XCom value.
POD_XCOM_PATH = "/airflow/xcom/return.json"

#: Exit codes of the synth-ops CLI that a retry cannot fix: invalid settings (2),
#: an unusable table (3), a failed candidate (4), no winner (5) and a bundle
#: that fails verification (8). Storage (6) and registry (7) errors may be
#: transient, so they are retried.
PERMANENT_EXIT_CODES = frozenset({2, 3, 4, 5, 8})


class SynthStepOperator(KubernetesPodOperator):
    """Run ``synth-ops ARGUMENTS`` for one step of a tournament.

    :param step: the step's name (prepare, candidate, select, register, sample),
        used for the pod's name and labels.
    :param dataset: the dataset the step works on, for labels and the UI.
    :param candidate: the candidate a ``candidate`` step fits; GPU candidates
        get a GPU, the GPU node selector and the tolerations.
    :param push_output: whether the step's JSON result (``--output-json``)
        becomes the task's return value.
    :param time_limit_seconds: wall-time limit of the step: the pod's
        ``active_deadline_seconds``, or the time after which a local
        subprocess is stopped. ``None`` sets no limit.
    """

    template_fields: Sequence[str] = (*KubernetesPodOperator.template_fields, "dataset", "candidate")

    def __init__(
        self,
        *,
        step: str,
        dataset: str | None = None,
        candidate: str | None = None,
        push_output: bool = False,
        time_limit_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("cmds", ["synth-ops"])
        kwargs.setdefault("on_finish_action", "delete_pod")
        kwargs.setdefault("get_logs", True)
        kwargs["do_xcom_push"] = push_output
        super().__init__(**kwargs)
        self.step = step
        self.dataset = dataset
        self.candidate = candidate
        self.push_output = push_output
        self.time_limit_seconds = time_limit_seconds
        self._step_process: StepProcess | None = None

    def execute(self, context: Any) -> Any:
        settings = load_settings()
        if settings.launcher == "local":
            return self.execute_local(settings)
        self.configure_pod(settings)
        return super().execute(context)

    def configure_pod(self, settings: LauncherSettings) -> None:
        """Fill in the pod fields from ``settings``; call before ``build_pod_request_obj``.

        Raises ``SettingsError`` when a setting that kubernetes mode needs is
        missing or still a placeholder.
        """
        settings.require_kubernetes()
        self.image = settings.worker_image
        self.image_pull_policy = settings.image_pull_policy
        self.image_pull_secrets = pods.image_pull_secrets(settings)
        self.namespace = settings.namespace
        self.service_account_name = settings.service_account
        self.kubernetes_conn_id = settings.kubernetes_conn_id
        self.container_resources = pods.container_resources(settings, self.candidate)
        self.node_selector = pods.node_selector(settings, self.candidate)
        self.tolerations = pods.tolerations(settings, self.candidate)
        self.env_vars = pods.env_vars(settings)
        self.env_from = pods.env_from(settings)
        self.labels = {**(self.labels or {}), **pods.labels(self.step, self.dataset, self.candidate)}
        self.name = self._set_name(self.name or pods.pod_name(self.step, self.candidate))
        self.startup_timeout_seconds = settings.startup_timeout_seconds
        if self.time_limit_seconds and not self.active_deadline_seconds:
            self.active_deadline_seconds = int(self.time_limit_seconds)
        if self.push_output and POD_XCOM_PATH not in self.arguments:
            self.arguments = [*self.arguments, "--output-json", POD_XCOM_PATH]
        self.do_xcom_push = self.push_output

    def execute_local(self, settings: LauncherSettings) -> Any:
        """Run the step with the worker environment's synth-ops and return its JSON result, if any."""
        settings.require_local()
        output_path = None
        arguments = list(self.arguments)
        if self.push_output:
            handle, output_path = tempfile.mkstemp(prefix="synth-ops-step-", suffix=".json")
            os.close(handle)
            arguments += ["--output-json", output_path]
        try:
            self._step_process = StepProcess([settings.worker_bin, *arguments], child_environment(settings), self.log)
            result = self._step_process.run(timeout_seconds=self.time_limit_seconds)
            self._raise_for_exit(result.returncode, result.error_line(), result.timed_out)
            if output_path is None:
                return None
            with open(output_path, encoding="utf-8") as handle:
                return json.load(handle)
        finally:
            if output_path is not None:
                os.unlink(output_path)

    def _raise_for_exit(self, returncode: int, error_line: str, timed_out: bool) -> None:
        if returncode == 0:
            return
        label = " ".join(part for part in ("synth-ops", self.step, self.dataset, self.candidate) if part)
        if self.skip_on_exit_code and returncode in self.skip_on_exit_code:
            raise AirflowSkipException(f"{label} exited with {returncode}, which skips this task: {error_line}")
        if timed_out:
            raise AirflowException(f"{label} timed out after {self.time_limit_seconds:.0f} s and was stopped")
        message = f"{label} failed with exit code {returncode}: {error_line}"
        if returncode in PERMANENT_EXIT_CODES:
            # Retrying the same step on the same inputs would fail the same way.
            raise AirflowFailException(message)
        raise AirflowException(message)

    def on_kill(self) -> None:
        if self._step_process is not None:
            self._step_process.terminate()
            return
        super().on_kill()
