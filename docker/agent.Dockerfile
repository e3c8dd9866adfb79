# ran-gym agent image: Python, the project and its dependencies.
#
#   docker build -f docker/agent.Dockerfile -t ran-gym-agent .
#
# torch: a CPU build by default. Wheels placed in docker/wheels/ (make docker copies a
# local torch CPU wheel there when the machine has one) are used first; otherwise pip
# takes TORCH_SPEC from TORCH_INDEX (the CPU index). For a GPU host, build with
#   --build-arg BASE=nvidia/cuda:12.4.1-runtime-ubuntu22.04 \
#   --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu124
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ARG TORCH_SPEC="torch>=2.3"
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/venv \
 && useradd --system --uid 10001 --create-home ran-gym
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY docker/wheels/ /wheels/
RUN if ls /wheels/torch-*.whl >/dev/null 2>&1; then \
      pip install --find-links /wheels /wheels/torch-*.whl; \
    else \
      pip install "$TORCH_SPEC" --index-url "$TORCH_INDEX" --extra-index-url https://pypi.org/simple; \
    fi
# Dependencies first, from pyproject alone, so a code change reuses this layer.
COPY pyproject.toml README.md /src/
RUN python3 - <<'PY' > /tmp/requirements.txt && pip install --find-links /wheels -r /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("/src/pyproject.toml", "rb"))["project"]["dependencies"]))
PY
COPY bridge /src/bridge
COPY agents /src/agents
COPY analysis /src/analysis
RUN pip install --no-deps /src
USER ran-gym
WORKDIR /home/ran-gym
CMD ["ran-gym", "--help"]
