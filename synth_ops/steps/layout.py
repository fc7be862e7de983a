"""URLs of the files that each step reads and writes in ``<work>/<dataset>/<run_id>/``."""

from __future__ import annotations

from dataclasses import dataclass

from synth_ops.storage import join, normalize_url


@dataclass(frozen=True)
class RunLayout:
    """The URLs of one run's work area."""

    url: str

    @classmethod
    def create(cls, work_url: str, dataset: str, run_id: str) -> "RunLayout":
        return cls(join(work_url, dataset, run_id))

    @classmethod
    def from_url(cls, url: str) -> "RunLayout":
        return cls(normalize_url(url).rstrip("/"))

    def path(self, *parts: str) -> str:
        return join(self.url, *parts)

    @property
    def run_json(self) -> str:
        return self.path("run.json")

    @property
    def train(self) -> str:
        return self.path("prepared", "train.parquet")

    @property
    def holdout(self) -> str:
        return self.path("prepared", "holdout.parquet")

    @property
    def metadata(self) -> str:
        return self.path("prepared", "metadata.json")

    @property
    def profile(self) -> str:
        return self.path("prepared", "profile.json")

    @property
    def columns(self) -> str:
        return self.path("prepared", "columns.json")

    @property
    def baseline(self) -> str:
        return self.path("prepared", "baseline.json")

    @property
    def privacy_reference(self) -> str:
        return self.path("prepared", "holdout_to_training.npy")

    @property
    def decision(self) -> str:
        return self.path("decision.json")

    @property
    def report(self) -> str:
        return self.path("report.html")

    def candidate(self, name: str, filename: str) -> str:
        return self.path("candidates", name, filename)
