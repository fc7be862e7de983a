"""Run a synth-ops step as a subprocess of the worker environment (local launcher mode).

The subprocess gets exactly the arguments that a step pod gets, and the same
environment contract. The non-secret S3 settings are set explicitly. The
credentials come from the environment that Airflow itself runs with, where
boto3's default chain finds them. The output is streamed, line by line, to the
task log.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from synth_ops_airflow.config import LauncherSettings

logger = logging.getLogger(__name__)

#: Output lines kept to explain a failure in the task's error message.
_TAIL_LINES = 20
#: Seconds a stopped subprocess gets between SIGTERM and SIGKILL.
_TERMINATE_GRACE_SECONDS = 10


@dataclass(frozen=True)
class StepResult:
    """Outcome of a step subprocess."""

    returncode: int
    #: The last lines of its combined stdout and stderr.
    tail: tuple[str, ...]
    timed_out: bool = False

    def error_line(self) -> str:
        """Return the CLI's one-line error (``synth-ops STEP: error: ...``), or the last line."""
        for line in reversed(self.tail):
            if ": error: " in line:
                return line
        return self.tail[-1] if self.tail else "(no output)"


def child_environment(settings: LauncherSettings) -> dict[str, str]:
    """Return the environment of a step subprocess: Airflow's own plus the worker settings."""
    environment = dict(os.environ)
    environment.update(settings.worker_environment())
    # The task log stamps each relayed line, so the child leaves out its timestamps.
    environment["SYNTH_OPS_CHILD_PROCESS"] = "1"
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


class StepProcess:
    """One step subprocess whose output goes to a logger; ``terminate`` may be called from another thread."""

    def __init__(self, command: Sequence[str], environment: dict[str, str], log: logging.Logger | logging.LoggerAdapter):
        self.command = list(command)
        self.environment = environment
        self.log = log
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._terminated = False

    def run(self, timeout_seconds: float | None = None) -> StepResult:
        """Start the command, relay its output and wait for it; kill it after ``timeout_seconds``."""
        tail: deque[str] = deque(maxlen=_TAIL_LINES)
        with self._lock:
            if self._terminated:
                return StepResult(returncode=-signal.SIGTERM, tail=("terminated before it started",))
            self.log.info("Running %s", " ".join(self.command))
            self._process = subprocess.Popen(
                self.command,
                env=self.environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                # A process group of its own lets terminate() reach the step's children too.
                start_new_session=True,
            )
        process = self._process
        timer = None
        timed_out = threading.Event()
        if timeout_seconds:
            def expire() -> None:
                timed_out.set()
                self.log.error("Step exceeded its time limit of %.0f s; stopping it", timeout_seconds)
                self.terminate()

            timer = threading.Timer(timeout_seconds, expire)
            timer.daemon = True
            timer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                text = line.rstrip()
                if text:
                    tail.append(text)
                    self.log.info("%s", text)
            returncode = process.wait()
        finally:
            if timer is not None:
                timer.cancel()
        return StepResult(returncode=returncode, tail=tuple(tail), timed_out=timed_out.is_set())

    def terminate(self) -> None:
        """Stop the subprocess and its children: SIGTERM, then SIGKILL after a grace period."""
        with self._lock:
            self._terminated = True
            process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=_TERMINATE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.log.warning("Step process %d ignored SIGTERM; killing it", process.pid)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
