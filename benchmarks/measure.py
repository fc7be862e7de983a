"""Run one command as a subprocess and measure its wall time, CPU time, memory and the machine's load.

- CPU time: ``resource.getrusage(RUSAGE_CHILDREN)`` user + system seconds,
  before and after. It counts the subprocess and every descendant that was
  waited for (synth-ops waits for its candidate processes).
- Memory, sampled with psutil every ``interval`` seconds over the whole
  process tree. ``peak_tree_rss_mb`` is the peak of the summed RSS, in which
  pages shared between processes (the torch libraries, say) count once per
  process. ``peak_tree_pss_mb`` is the peak of the summed PSS, which splits
  shared pages between the processes that map them, read every fifth
  sample. Peaks shorter than the interval can be missed.
  ``largest_process_rss_mb`` is the kernel's own peak RSS of the largest
  single process of the tree (``ru_maxrss`` from ``wait4``), which misses
  nothing.
- Load: the CPU seconds that every process of the machine used during the
  run, from /proc/stat, minus this tree's CPU seconds, divided by the wall
  time. It is the number of cores that other work kept busy on average.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    """Wall time, CPU time, memory and machine load of one measured command."""

    command: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    peak_tree_rss_mb: float
    peak_tree_pss_mb: float | None
    largest_process_rss_mb: float
    max_processes: int
    other_load_cores: float | None
    loadavg_before: list[float]
    loadavg_after: list[float]
    output_tail: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def busy_cpu_seconds() -> float | None:
    """Return the CPU seconds all cores spent outside idle and iowait since boot, or None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal guest guest_nice
    values = [int(value) for value in fields[1:]]
    busy = values[0] + values[1] + values[2] + values[5] + values[6] + (values[7] if len(values) > 7 else 0)
    return busy / _CLOCK_TICKS


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stopped = threading.Event()
        self.peak_rss = 0
        self.peak_pss: int | None = None
        self.max_processes = 0

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        count = 0
        while not self.stopped.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            self.max_processes = max(self.max_processes, len(processes))
            self.peak_rss = max(self.peak_rss, _sum_memory(processes, "rss"))
            if count % 5 == 0:
                pss = _sum_memory(processes, "pss")
                self.peak_pss = pss if self.peak_pss is None else max(self.peak_pss, pss)
            count += 1
            self.stopped.wait(self.interval)


def _sum_memory(processes: list[psutil.Process], kind: str) -> int:
    total = 0
    for process in processes:
        try:
            info = process.memory_full_info() if kind == "pss" else process.memory_info()
            total += getattr(info, kind)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return total


def measure(command: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None, interval: float = 0.2, log_path: Path | None = None) -> Measurement:
    """Run ``command`` to completion and return its ``Measurement``.

    Its stdout and stderr go to ``log_path`` (or a pipe that is discarded but
    for the last 4,000 characters).
    """
    loadavg_before = list(os.getloadavg())
    busy_before = busy_cpu_seconds()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_before = time.process_time()
    started = time.perf_counter()
    handle = open(log_path, "w", encoding="utf-8") if log_path else subprocess.DEVNULL
    try:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        sampler = _TreeSampler(process.pid, interval)
        sampler.start()
        _, status, child_usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        sampler.stopped.set()
        sampler.join()
        # wait4 reaped the process, so Popen must not wait for it again.
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log_path:
            handle.close()
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_cpu = time.process_time() - own_before
    busy_after = busy_cpu_seconds()
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    other_load = None
    if busy_before is not None and busy_after is not None and wall > 0:
        other_load = max(0.0, (busy_after - busy_before - cpu - own_cpu) / wall)
    tail = ""
    if log_path and log_path.exists():
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
    return Measurement(
        command=[str(part) for part in command],
        returncode=process.returncode,
        wall_s=wall,
        cpu_s=cpu,
        peak_tree_rss_mb=sampler.peak_rss / 2**20,
        peak_tree_pss_mb=None if sampler.peak_pss is None else sampler.peak_pss / 2**20,
        # Linux reports ru_maxrss in KiB.
        largest_process_rss_mb=child_usage.ru_maxrss / 1024,
        max_processes=sampler.max_processes,
        other_load_cores=other_load,
        loadavg_before=loadavg_before,
        loadavg_after=list(os.getloadavg()),
        output_tail=tail,
    )
