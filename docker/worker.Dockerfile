# syntax=docker/dockerfile:1
# Worker image: what every candidate pod runs (`synth-ops candidate ...`), and
# the prepare/select/register steps too. Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t REGISTRY/synth-ops-worker:0.1.0 .
#
# The build stage has compilers and headers; the final stage has only the
# CUDA runtime, Python and the virtual environment built here.

ARG CUDA_BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04

FROM ${CUDA_BASE} AS build
# Must match the torch pin in constraints.txt (a test checks it).
ARG TORCH_VERSION=2.13.0
# PyTorch's index of CUDA builds; cu128 matches the CUDA 12.8 runtime above.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Debian package versions are not pinned: the base image tag fixes the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends software-properties-common gpg-agent \
    && add-apt-repository -y ppa:deadsnakes/ppa \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python3.11 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY constraints.txt ./
# The CUDA build of the pinned torch first; the constraints' torch==X then matches it.
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"
COPY pyproject.toml README.md ./
COPY synth_ops ./synth_ops
RUN pip install -c constraints.txt ".[worker]" \
    && pip uninstall -y pip setuptools

FROM ${CUDA_BASE}
ENV DEBIAN_FRONTEND=noninteractive
# Debian package versions are not pinned: the base image tag fixes the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends software-properties-common gpg-agent \
    && add-apt-repository -y ppa:deadsnakes/ppa \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 \
    && apt-get purge -y software-properties-common gpg-agent \
    && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
RUN useradd --create-home --uid 10001 synthops
USER 10001
WORKDIR /home/synthops
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SYNTH_OPS_HOME=/home/synthops/synth-ops-data
ENTRYPOINT ["synth-ops"]
CMD ["--help"]
