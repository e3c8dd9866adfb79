# Two commands do all the set-up on a fresh machine: `make test` and `make demo`.
# Each step is skipped when nothing it depends on changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUILD := build/ns3
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PACKAGES := bridge agents analysis ran_gym

.PHONY: all system venv build kernels test demo bench lint mutate docker clean

all: build kernels venv

system:
	@scripts/install-system-deps.sh

# The local CPU build of torch goes in first where this machine has one, so that
# the `torch>=2.3` requirement does not pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | system
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import torch' 2>/dev/null \
	  || { $(PY) -m pip install -q --no-index --no-deps 'torch==2.13.0' 2>/dev/null \
	       && $(PY) -m pip install -q 'torch==2.13.0'; } \
	  || echo "ran-gym: no local torch 2.13.0 build here; pip resolves torch>=2.3"
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

$(BUILD)/CMakeCache.txt: | system
	cmake -S ns3_scenarios -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS)

# Diffusion-QL's compiled reverse loop and Mish pass (agents/diffusion_ql/kernel.py loads
# them; without them decisions take the NumPy path). -fno-trapping-math lets gcc
# vectorise the Mish loops (it keeps their clamps as branches otherwise).
KERNEL := build/kernels/libran-gym-reverse.so
$(KERNEL): agents/diffusion_ql/csrc/reverse.c Makefile | system
	@mkdir -p $(dir $@)
	$(CC) -O3 -fno-trapping-math -Wall -Wextra -shared -fPIC -o $@.tmp $< -lm && mv $@.tmp $@

kernels: $(KERNEL)

# Imports point only down (docs/architecture.md); lint-imports checks the contracts in
# pyproject.toml, and a broken one fails the tests as well as the lint. The test files
# are shared out among TEST_WORKERS processes (pytest-xdist; each file's tests stay in
# one, in order, with its fixtures); TEST_WORKERS=0 runs them all in this process.
TEST_WORKERS ?= $(JOBS)
test: build kernels venv
	$(VENV)/bin/ruff check $(PACKAGES) tests
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=12

# A short co-simulation of the O-RAN slicing scenario (3 O-RUs, 25 UEs, packet level)
# with a random agent, then its report: throughput per slice, delay CDFs, PRB maps.
# Diffusion-QL and DQN train against ns-3, then every agent plays the same seeds and
# one report gathers the table and the figures (scripts/demo.sh says what and how big).
demo: build kernels venv
	scripts/demo.sh

bench: build kernels venv
	$(VENV)/bin/ran-gym bench bridge

# Both images: the scenario programs, and Python with the project. The base image is
# made locally with debootstrap where no registry can be reached.
docker: venv
	scripts/ensure-docker.sh
	docker/base-image.sh
	scripts/docker-wheels.sh
	docker build -q --force-rm -f docker/scenario.Dockerfile -t ran-gym-scenarios .
	docker build -q --force-rm -f docker/agent.Dockerfile -t ran-gym-agent .

lint: venv
	$(VENV)/bin/ruff check $(PACKAGES) tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo

# Mutation testing (docs/testing.md): each mutant of each named module runs the unit
# tests that cover it (scripts/mutate.toml); survivors are reported, a JSON report per
# module goes to build/mutation/. Minutes per module on one core; not part of `test`.
MODULES ?= bridge/protocol/codec.py bridge/slicing/unified.py bridge/slicing/twin.py \
	agents/baselines/wmmse.py
MUTATE_JOBS ?= 1
mutate: venv
	OMP_NUM_THREADS=1 $(PY) scripts/mutate.py --jobs $(MUTATE_JOBS) $(MODULES)

clean:
	rm -rf build $(VENV)
