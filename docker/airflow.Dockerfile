# syntax=docker/dockerfile:1
# Airflow image for the official apache-airflow Helm chart: Airflow, the
# cncf.kubernetes and amazon providers, synth_ops without its candidate
# libraries (the pods run those), and this repository's DAGs and plugins.
# Build from the repository root:
#   docker build -f docker/airflow.Dockerfile -t REGISTRY/synth-ops-airflow:0.1.0 .

# Must match the apache-airflow pin in constraints-airflow.txt (a test checks it).
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
ARG AIRFLOW_VERSION
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --chown=airflow:0 constraints-airflow.txt /opt/synth-ops/
COPY --chown=airflow:0 pyproject.toml README.md /opt/synth-ops/
COPY --chown=airflow:0 synth_ops /opt/synth-ops/synth_ops
RUN pip install -c /opt/synth-ops/constraints-airflow.txt \
        "apache-airflow==${AIRFLOW_VERSION}" \
        apache-airflow-providers-cncf-kubernetes \
        apache-airflow-providers-amazon \
        /opt/synth-ops
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
