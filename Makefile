# `make test` and `make demo` install everything they need into .venv first.
# The install is stamped: a second run with nothing changed installs nothing.
#
# Install facts (measured, see ../shared/docs/SPEC.md):
# - torch/torchvision: the machine's pip config points at a local CPU-only torch wheel that
#   cannot run torchvision; the standard registry build is taken by hiding that config.
# - mmcv 2.1.0 exists only as source; its CPU ops are built once per (torch, python) into a
#   wheel cache and reused.
# - xtcocotools' binary wheel is built against numpy 1: built from source instead.

PYTHON      ?= python3
VENV        ?= .venv
PY          := $(VENV)/bin/python
TORCH_VER   := 2.13.0
TV_VER      := 0.28.0
MMCV_VER    := 2.1.0
CACHE_DIR   ?= $(HOME)/.cache/uniformer_dense
PYVER       := $(shell $(PYTHON) -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')
WHEEL_CACHE := $(CACHE_DIR)/wheels/torch$(TORCH_VER)-$(PYVER)
# pip without the machine's find-links / config (they prefer the local +cpu torch wheel).
REGISTRY_PIP := env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(PY) -m pip
PIP          := $(PY) -m pip
STAMP        := $(VENV)/.installed

.PHONY: install test test-fast demo clean-venv
install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24" "setuptools<81" wheel

$(VENV)/.torch: | $(PY)
	$(REGISTRY_PIP) install -q torch==$(TORCH_VER) torchvision==$(TV_VER)
	$(PY) -c "import torch, torchvision; from torchvision.ops import nms; \
	  nms(torch.rand(4, 4).cumsum(1), torch.rand(4), 0.5); print('torch', torch.__version__, 'torchvision ok')"
	touch $@

$(VENV)/.deps: requirements/runtime.txt requirements/tests.txt requirements/openmmlab.txt $(VENV)/.torch
	$(PIP) install -q "setuptools<81" -r requirements/runtime.txt -r requirements/tests.txt
	$(PIP) install -q --no-deps -r requirements/openmmlab.txt
	$(PIP) install -q cython
	$(PIP) install -q --no-binary xtcocotools --no-build-isolation xtcocotools
	touch $@

$(VENV)/.mmcv: $(VENV)/.deps
	@if ! ls $(WHEEL_CACHE)/mmcv-$(MMCV_VER)-*.whl >/dev/null 2>&1; then \
	  echo "Building mmcv $(MMCV_VER) with CPU ops (once per machine, ~6 min on 2 cores)"; \
	  mkdir -p $(WHEEL_CACHE) && \
	  MMCV_WITH_OPS=1 MAX_JOBS=2 $(PIP) wheel --no-deps --no-build-isolation \
	    -w $(WHEEL_CACHE) mmcv==$(MMCV_VER) || exit 1; \
	fi
	$(PIP) install -q --no-deps --force-reinstall $(WHEEL_CACHE)/mmcv-$(MMCV_VER)-*.whl
	$(PY) -c "from mmcv.ops import nms, RoIAlign; print('mmcv ops ok')"
	touch $@

$(STAMP): $(VENV)/.mmcv setup.py
	$(PIP) install -q --no-deps --no-build-isolation -e .
	$(PY) -c "import mmdet, mmseg, mmpose, mmaction, mmpretrain, timm, uniformer_dense; import mmaction.models; print('stack ok')"
	touch $@

# The suite runs on TEST_WORKERS processes (pytest-xdist; tests/conftest.py starts the
# modules holding slow tests first, and tests sharing an expensive module fixture carry one
# xdist_group, so `--dist loadgroup` runs them on one worker). TEST_WORKERS=0 runs it in
# this process. Each target prints its wall time; -rs lists every skip with its reason.
TEST_WORKERS ?= 2
PYTEST       := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup -q -rs

test: install
	@start=$$(date +%s); $(PYTEST) --durations=25 tests; rc=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s with $(TEST_WORKERS) workers"; exit $$rc

# Quick inner loop: skips tests marked slow.
test-fast: install
	@start=$$(date +%s); $(PYTEST) -m "not slow" tests; rc=$$?; \
	echo "make test-fast: $$(( $$(date +%s) - start )) s with $(TEST_WORKERS) workers"; exit $$rc

demo: install
	$(PY) tools/demo_pipeline.py

clean-venv:
	rm -rf $(VENV)
