"""MOSTLY AI's TabularARGN (``mostlyai-engine``) as a candidate.

The engine trains inside a workspace directory. After fitting, only the files
that generation reads are kept: the model weights and configuration, the
column statistics and the encoding types. The split training data and its
encoded copy, which the workspace also holds, never enter the bundle.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import shutil
import tarfile
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from synth_ops.candidates.base import Candidate, FitReport
from synth_ops.errors import CandidateError

logger = logging.getLogger(__name__)

ENGINE_MODULE = "mostlyai.engine"
INSTALL_HINT = (
    "install it in the worker environment with "
    "`pip install -c constraints.txt -e '.[argn]' && pip install -c constraints.txt --no-deps mostlyai-engine`"
)
#: Workspace files that generation needs; everything else stays behind.
MODEL_FILES = (
    "ModelStore/model-data/model-weights.pt",
    "ModelStore/model-data/model-configs.json",
    "ModelStore/tgt-stats/stats.json",
    "OriginalData/tgt-meta/encoding-types.json",
    "OriginalData/tgt-meta/keys.json",
)


def engine_available() -> bool:
    """Tell whether ``mostlyai-engine`` can be imported in this environment."""
    try:
        return importlib.util.find_spec(ENGINE_MODULE) is not None
    except ModuleNotFoundError:
        return False


def _pack(workspace: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in MODEL_FILES:
            path = workspace / name
            if not path.is_file():
                raise CandidateError(f"tabular_argn: the engine did not write {name}; training did not finish")
            archive.add(path, arcname=name)
    return buffer.getvalue()


class ArgnModel:
    """A trained TabularARGN, stored as the bytes of its model files.

    Sampling unpacks those files into a temporary workspace once per process
    and calls the engine's ``generate``.
    """

    def __init__(self, model_files: bytes, columns: dict[str, str], device: str):
        self.model_files = model_files
        self.columns = columns
        self.device = device
        self._workspace: Path | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_workspace"] = None
        return state

    def _ensure_workspace(self) -> Path:
        if self._workspace is None or not self._workspace.exists():
            workspace = Path(tempfile.mkdtemp(prefix="synth-ops-argn-"))
            with tarfile.open(fileobj=io.BytesIO(self.model_files), mode="r:gz") as archive:
                for member in archive.getmembers():
                    if member.name not in MODEL_FILES or not member.isfile():
                        raise CandidateError(f"tabular_argn model contains an unexpected entry {member.name!r}")
                    target = workspace / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.extractfile(member) as source, open(target, "wb") as handle:
                        shutil.copyfileobj(source, handle)
            self._workspace = workspace
        return self._workspace

    def sample(self, rows: int, seed: int | None = None) -> pd.DataFrame:
        from mostlyai.engine import generate, set_random_state

        workspace = self._ensure_workspace()
        output = workspace / "SyntheticData"
        shutil.rmtree(output, ignore_errors=True)
        if seed is not None:
            set_random_state(seed)
        device = self.device
        if device == "cuda":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Value protection hides rare categories. "sample" draws a frequent
            # category in their place instead of writing a "_RARE_" token, so
            # every value stays one of the column's real categories.
            generate(workspace_dir=workspace, sample_size=rows, device=device, rare_category_replacement_method="sample")
        parts = sorted(output.glob("*.parquet"))
        frame = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
        return self._match_dtypes(frame)

    def _match_dtypes(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Cast the engine's nullable dtypes to those of the training frame."""
        result = {}
        for column, dtype in self.columns.items():
            values = frame[column]
            if dtype.startswith(("int", "float", "Int", "Float")):
                values = pd.to_numeric(values, errors="coerce").astype("float64")
            elif dtype.startswith("datetime"):
                values = pd.to_datetime(values, errors="coerce")
            elif dtype == "bool":
                values = values.astype(object)
            else:
                values = values.astype(object).where(values.notna(), None)
            result[column] = values
        return pd.DataFrame(result)


class TabularArgnCandidate(Candidate):
    """TabularARGN: an autoregressive network trained with a wall-time limit."""

    name = "tabular_argn"
    deep = True

    def _build(self, metadata: dict[str, Any], train: pd.DataFrame, report: FitReport) -> Any:
        if not engine_available():
            raise CandidateError(f"tabular_argn: mostlyai-engine is not installed; {INSTALL_HINT}")
        params = {
            "max_training_time": self.time_budget / 60.0,
            "max_epochs": self.epochs,
            "value_protection": True,
            "random_state": self.seed,
        }
        params.update(self.params)
        report.params = dict(params, device=report.device)
        report.epochs_requested = int(params["max_epochs"])
        return None

    def _fit(self, train: pd.DataFrame, report: FitReport, on_epoch) -> None:
        from mostlyai.engine import TabularARGN

        workspace = Path(tempfile.mkdtemp(prefix="synth-ops-argn-fit-"))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                engine = TabularARGN(**report.params, workspace_dir=workspace)
                engine.fit(train)
            report.epochs_completed, report.stopped_by_budget = _training_progress(workspace, report)
            columns = {column: str(dtype) for column, dtype in train.dtypes.items()}
            self.model = ArgnModel(_pack(workspace), columns, report.device)
        finally:
            shutil.rmtree(workspace, ignore_errors=True)


def _training_progress(workspace: Path, report: FitReport) -> tuple[int | None, bool]:
    """Return (epochs trained, whether the time limit ended training) from the engine's log.

    The engine also stops early when its validation loss stops improving, so
    fewer epochs than requested alone does not mean the budget ran out.
    """
    path = workspace / "ModelStore" / "model-data" / "progress-messages.csv"
    try:
        progress = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return None, False
    if "epoch" not in progress.columns or progress.empty:
        return None, False
    epochs = int(float(progress["epoch"].max()))
    limit_seconds = float(report.params.get("max_training_time", 0.0)) * 60.0
    elapsed = float(progress["total_time"].max()) if "total_time" in progress.columns else 0.0
    return epochs, limit_seconds > 0 and elapsed >= 0.95 * limit_seconds
