# ran-gym agent image: Python, the project and its dependencies.
#
#   scripts/docker-wheels.sh          # the wheels, downloaded by the host's pip
#   docker build -f docker/agent.Dockerfile -t ran-gym-agent .
#
# The image installs from docker/wheels/ only (no index), so it builds offline and
# behind proxies. torch is a CPU build by default; for a GPU host, fill docker/wheels
# with a CUDA torch (TORCH_SPEC=... with the matching PIP_EXTRA_INDEX_URL) and build
# with --build-arg BASE=nvidia/cuda:12.4.1-runtime-ubuntu22.04 (Python 3.10 there:
# run scripts/docker-wheels.sh with PYTHON pointing at a 3.10 interpreter).
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/venv \
 && useradd --uid 10001 --create-home ran-gym
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY docker/wheels/deps/ /wheels/deps/
RUN pip install --no-index --find-links /wheels/deps /wheels/deps/*.whl
COPY docker/wheels/project/ /wheels/project/
RUN pip install --no-index --no-deps /wheels/project/*.whl
RUN mkdir -p /run/ran-gym /runs && chown ran-gym /run/ran-gym /runs
USER ran-gym
WORKDIR /home/ran-gym
CMD ["ran-gym", "--help"]
