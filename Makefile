# Two entry points (see README "Quick start"):
#   make book   set up .venv and build the course site into _build/html
#   make test   set up .venv (and the system tools the tests need) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.mlhc-installed
PIP_QUIET ?= -q
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# pip prints a harmless line per package for this machine's optional local mirrors; hide those.
HIDE_MIRROR_NOISE := { grep -v '^WARNING: Location' || true; }

.PHONY: book test setup system-deps lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/ipython_kernel_config.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN)/python -m pip install $(PIP_QUIET) -e '.[dev]' 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# Kernels in this venv (lessons, book build, tests, grading): no "Kernel is running over TCP
	@# without encryption" log line (the ports are bound to 127.0.0.1), and NumPy 2 scalars print
	@# as plain numbers (0.104, not np.float64(0.104)). See scripts/ipython_kernel_config.json.
	mkdir -p $(VENV)/etc/ipython && cp scripts/ipython_kernel_config.json $(VENV)/etc/ipython/
	@touch $@

book: $(STAMP)
	PATH="$(BIN):$$PATH" $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The course site is at: file://$(CURDIR)/_build/html/index.html"

system-deps:
	@bash scripts/install_system_deps.sh

test: $(STAMP) system-deps
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check mlhc_course tests benchmarks
	$(BIN)/ruff format --check mlhc_course tests benchmarks

clean:
	rm -rf _build course .pytest_cache .ruff_cache
