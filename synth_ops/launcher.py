"""Run candidate steps as local subprocesses, bounded by cores and memory.

Each candidate runs ``python -m synth_ops candidate --run URL --name NAME``,
the same command a Kubernetes pod runs. A process that crashes or is killed
(for example by the kernel when memory runs out) is recorded as failed. One
that outlives its hard time limit is killed and recorded as timed out. The
other candidates go on in both cases.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from synth_ops import storage
from synth_ops.errors import ObjectNotFoundError
from synth_ops.steps.layout import RunLayout

logger = logging.getLogger(__name__)

# Memory planned per candidate process: SDV, torch and one copy of the data.
_BASE_MEMORY_BYTES = 1.5 * 2**30
_BYTES_PER_CELL = 400
_GRACE_SECONDS = 60.0

#: Launch order, longest expected run first, so that the candidates still
#: running at the end are short ones and no core waits idle for long. On
#: Adult at 3 epochs on 2 cores, one thread each, CTGAN and CopulaGAN ran
#: 36 s each, TVAE 23 s and GaussianCopula 13 s. Unknown names rank with the
#: deep candidates, and ties keep the requested order.
_LAUNCH_RANK = {"copula_gan": 0, "ctgan": 0, "tabular_argn": 0, "tvae": 1, "gaussian_copula": 2}
_UNKNOWN_RANK = 0


@dataclass
class CandidateProcess:
    """One running or finished candidate subprocess."""

    name: str
    process: subprocess.Popen | None = None
    started: float = 0.0
    finished: float | None = None
    status: str = "pending"
    error: str | None = None
    threads: list[threading.Thread] = field(default_factory=list)


def available_memory_bytes() -> int:
    """Return MemAvailable from /proc/meminfo, or 4 GiB where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


def plan_parallelism(candidates: int, cells: int, requested: int = 0) -> int:
    """Return how many candidates to run at once: the request, or cores and memory allow."""
    if requested > 0:
        return min(requested, candidates)
    cores = os.cpu_count() or 1
    per_candidate = _BASE_MEMORY_BYTES + cells * _BYTES_PER_CELL
    by_memory = max(1, int(available_memory_bytes() * 0.8 // per_candidate))
    return max(1, min(candidates, cores, by_memory))


def launch_order(names: list[str]) -> list[str]:
    """Return ``names`` in launch order: expected longest first, ties in the given order."""
    return sorted(names, key=lambda name: _LAUNCH_RANK.get(name, _UNKNOWN_RANK))


def candidate_command(run_url: str, name: str) -> list[str]:
    return [sys.executable, "-m", "synth_ops", "candidate", "--run", run_url, "--name", name]


def _relay(stream, name: str) -> None:
    for line in iter(stream.readline, ""):
        text = line.rstrip()
        if text:
            logger.info("[%s] %s", name, text)
    stream.close()


def run_candidates(
    run_url: str,
    names: list[str],
    *,
    time_budget: float,
    parallel: int,
    grace_seconds: float = _GRACE_SECONDS,
    on_finish=None,
) -> dict[str, CandidateProcess]:
    """Run every candidate, at most ``parallel`` at a time, in ``launch_order``; return their outcomes.

    A candidate still running after ``2 * time_budget + grace_seconds`` is
    killed with its whole process group.
    """
    layout = RunLayout.from_url(run_url)
    hard_limit = 2 * time_budget + grace_seconds
    cores = os.cpu_count() or 1
    threads_each = max(1, cores // max(parallel, 1))
    env = dict(os.environ)
    env.update({"SYNTH_OPS_THREADS": str(threads_each), "OMP_NUM_THREADS": str(threads_each), "PYTHONUNBUFFERED": "1", "SYNTH_OPS_CHILD_PROCESS": "1"})
    pending = [CandidateProcess(name) for name in launch_order(names)]
    running: list[CandidateProcess] = []
    done: dict[str, CandidateProcess] = {}
    logger.info("Running %d candidates, %d at a time, %d thread(s) each; hard limit %.0f s each", len(names), parallel, threads_each, hard_limit)

    while pending or running:
        while pending and len(running) < parallel:
            item = pending.pop(0)
            _clear_previous(layout, item.name)
            item.process = subprocess.Popen(
                candidate_command(run_url, item.name),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
            )
            item.started = time.monotonic()
            item.status = "running"
            relay = threading.Thread(target=_relay, args=(item.process.stdout, item.name), daemon=True)
            relay.start()
            item.threads.append(relay)
            logger.info("Started candidate %s (pid %d)", item.name, item.process.pid)
            running.append(item)

        time.sleep(0.2)
        for item in list(running):
            elapsed = time.monotonic() - item.started
            code = item.process.poll()
            if code is None and elapsed > hard_limit:
                logger.error("Candidate %s exceeded its hard limit of %.0f s; killing it", item.name, hard_limit)
                _kill(item.process)
                code = item.process.wait()
                item.status = "timed_out"
                item.error = (
                    f"still running after {hard_limit:.0f} s (twice the time budget of {time_budget:.0f} s "
                    f"plus {grace_seconds:.0f} s of grace); killed"
                )
                _record_failure(layout, item.name, "timed_out", item.error, elapsed)
            if code is None:
                continue
            for thread in item.threads:
                thread.join(timeout=5)
            item.finished = time.monotonic()
            running.remove(item)
            done[item.name] = item
            if item.status != "timed_out":
                _settle(layout, item, code, elapsed)
            logger.info("Candidate %s finished: %s in %.1f s", item.name, item.status, elapsed)
            if on_finish is not None:
                on_finish(item)
    return done


def _clear_previous(layout: RunLayout, name: str) -> None:
    """Remove a previous attempt's scores so a crash now is not hidden by old results."""
    url = layout.candidate(name, "scores.json")
    storage.for_url(url).delete(storage.normalize_url(url))


def _settle(layout: RunLayout, item: CandidateProcess, code: int, elapsed: float) -> None:
    try:
        scores = storage.read_json(layout.candidate(item.name, "scores.json"))
    except (ObjectNotFoundError, ValueError):
        scores = None
    if scores is not None:
        item.status = scores.get("status", "failed")
        item.error = scores.get("error")
        return
    if code < 0:
        signal_name = signal.Signals(-code).name
        item.error = f"process killed by {signal_name}" + (" (likely out of memory)" if -code == signal.SIGKILL else "")
    else:
        item.error = f"process exited with code {code} without writing scores.json"
    item.status = "failed"
    _record_failure(layout, item.name, "failed", item.error, elapsed)


def _record_failure(layout: RunLayout, name: str, status: str, error: str, elapsed: float) -> None:
    storage.write_json(layout.candidate(name, "scores.json"), {
        "candidate": name, "status": status, "error": error, "timings": {"total_s": round(elapsed, 3)},
    })


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
