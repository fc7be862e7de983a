#!/usr/bin/env bash
# Create or update the worker environment: synth_ops with every candidate.
#   bash scripts/install-worker.sh            # .venv with the candidates
#   bash scripts/install-worker.sh test       # the same plus the test tools
# VENV=path changes where the environment is created.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VENV:-.venv}"
extras="worker,argn"
if [[ "${1:-}" == "test" ]]; then
    extras="worker,argn,test"
fi

python3 -m venv "$venv"
"$venv/bin/pip" install -q -c constraints.txt -e ".[${extras}]"
# mostlyai-engine lists torchvision and torchaudio as requirements for its
# language-model features. Beside the CPU build of torch they fail to import
# ("operator torchvision::nms does not exist") and break the engine's import,
# so the engine is installed without them; its other requirements come from
# the argn extra above.
"$venv/bin/pip" install -q -c constraints.txt --no-deps mostlyai-engine
"$venv/bin/python" -c "import mostlyai.engine"
echo "Worker environment ready: $venv/bin/synth-ops"
