#!/usr/bin/env bash
# Build both Python environments from their constraints files and run both test suites.
#
#   .venv          the worker environment: synth-ops with the candidate libraries;
#                  runs every test, and skips tests/dags and tests/airflow.
#   .venv-airflow  Airflow 3.3 with the cncf.kubernetes and amazon providers and
#                  synth-ops without the candidate libraries; runs tests/dags and
#                  tests/airflow, whose local launcher calls .venv/bin/synth-ops.
#
# The two cannot be one environment: mostlyai-engine (the tabular_argn
# candidate) needs psutil<6, and Airflow's task SDK needs psutil>=6.1.
# Exits non-zero when either suite fails; both suites run either way.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-worker.sh test

python3 -m venv .venv-airflow
.venv-airflow/bin/pip install -q -c constraints-airflow.txt -e . \
    apache-airflow apache-airflow-providers-cncf-kubernetes apache-airflow-providers-amazon \
    pytest 'moto[server]' kubernetes-validate

worker_status=0
.venv/bin/python -m pytest -q || worker_status=$?

airflow_status=0
.venv-airflow/bin/python -m pytest -q tests/dags tests/airflow || airflow_status=$?

if [ "$worker_status" -ne 0 ] || [ "$airflow_status" -ne 0 ]; then
    echo "test.sh: worker suite exited $worker_status, Airflow suite exited $airflow_status" >&2
    exit 1
fi
