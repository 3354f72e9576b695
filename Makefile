# Entry points (see README "Quick start"):
#   make setup      set up .venv for contributors: the course plus every extra ([book,instructor,dev])
#   make book       set up .venv with [book] and build the course site into _build/html
#   make test       set up .venv with every extra (and the system tools the tests need); run the whole suite
#   make test-lib   the library's own tests only (no notebooks, nbgrader or book): about a minute
#   make test-min   a separate venv with the OLDEST declared dependencies (constraints/minimums.txt) and
#                   the oldest declared Python, then the library tests there
#   make test-pandas3  a separate venv (.venv-pandas3) with pandas 3.x forced over lifelines' own
#                   `pandas<3` cap (pip's newest resolution is pandas 2.3 because of that cap); runs
#                   the library tests and every notebook there
#   make test-newest-python  the library tests on the newest Python here (3.13), newest dependencies
#   make lint       ruff on exactly the files tests/test_style.py checks
# Learners need none of this: `pip install .` installs the library and JupyterLab only.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
PIP_QUIET ?= -q
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# pip prints a harmless line per package for this machine's optional local mirrors; hide those.
HIDE_MIRROR_NOISE := { grep -v '^WARNING: Location' || true; }

# The oldest Python we claim (requires-python) and a venv for the declared minimum versions.
PYTHON_MIN ?= $(shell for p in python3.10 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo $$p; break; }; done)
VENV_MIN ?= .venv-min
BIN_MIN := $(abspath $(VENV_MIN))/bin

# tests/test_style.py reads this line: one list of files for `make lint` and the style test.
LINT_PATHS := mlhc_course tests benchmarks scripts book/_ext nbgrader_config.py

# The library's tests: fast, and they need no extra beyond [dev].
LIB_TESTS := tests/test_metrics.py tests/test_plots.py tests/test_splits.py tests/test_audit.py \
	tests/test_reporting.py tests/test_datasets_canonical.py tests/test_datasets_notes.py \
	tests/test_datasets_pitfalls.py tests/test_datasets_primary_care.py tests/test_datasets_validation.py \
	tests/test_datasets_ward.py tests/test_framingham.py tests/test_news2.py tests/test_exercises.py \
	tests/test_random_state.py tests/test_validation.py tests/test_data_cli.py tests/test_layering.py
LIB_DOCTESTS := mlhc_course --ignore=mlhc_course/grading --ignore=mlhc_course/cli/assign.py

# The newest Python on this machine (3.13 here), for `make test-newest-python`.
PYTHON_NEW ?= $(shell for p in python3.13 python3.12 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13.*/bin/python3 \
	$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12.*/bin/python3; do $$p -c 'import sys' 2>/dev/null && { echo $$p; break; }; done)
VENV_NEW ?= .venv-newest-python
BIN_NEW := $(abspath $(VENV_NEW))/bin

VENV_P3 ?= .venv-pandas3
BIN_P3 := $(abspath $(VENV_P3))/bin

.PHONY: book test test-lib test-min test-pandas3 test-newest-python setup system-deps lint clean

# One stamp per set of extras: `make book` does not need nbgrader, `make test` needs everything.
$(VENV)/.mlhc-%: pyproject.toml scripts/ipython_kernel_config.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN)/python -m pip install $(PIP_QUIET) -e '.[$(subst +,$(comma),$*)]' 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# Kernels in this venv (lessons, book build, tests, grading): no "Kernel is running over TCP
	@# without encryption" log line (the ports are bound to 127.0.0.1), and NumPy 2 scalars print
	@# as plain numbers (0.104, not np.float64(0.104)). See scripts/ipython_kernel_config.json.
	mkdir -p $(VENV)/etc/ipython && cp scripts/ipython_kernel_config.json $(VENV)/etc/ipython/
	@touch $@

comma := ,
ALL_EXTRAS := $(VENV)/.mlhc-book+instructor+dev

setup: $(ALL_EXTRAS)

book: $(VENV)/.mlhc-book
	PATH="$(BIN):$$PATH" $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The course site is at: file://$(CURDIR)/_build/html/index.html"

system-deps:
	@bash scripts/install_system_deps.sh

test: $(ALL_EXTRAS) system-deps
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest

test-lib: $(ALL_EXTRAS)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(LIB_TESTS) $(LIB_DOCTESTS)

$(VENV_MIN)/.mlhc-min: pyproject.toml constraints/minimums.txt
	@test -n "$(PYTHON_MIN)" || { echo "make test-min needs the oldest declared Python (set PYTHON_MIN=...)"; exit 2; }
	@test -x $(BIN_MIN)/python || $(PYTHON_MIN) -m venv $(VENV_MIN)
	$(BIN_MIN)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_MIN)/python -m pip install $(PIP_QUIET) -c constraints/minimums.txt -e '.[dev]' 2>&1 | $(HIDE_MIRROR_NOISE)
	@touch $@

test-min: $(VENV_MIN)/.mlhc-min
	$(BIN_MIN)/python -m pip list 2>/dev/null | grep -iE '^(numpy|pandas|scipy|scikit-learn|matplotlib|lifelines|click) '
	$(BIN_MIN)/python -m pytest -q -p no:cacheprovider $(LIB_TESTS) $(LIB_DOCTESTS)

$(VENV_P3)/.mlhc-pandas3: pyproject.toml
	@test -x $(BIN_P3)/python || $(PYTHON) -m venv $(VENV_P3)
	$(BIN_P3)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_P3)/python -m pip install $(PIP_QUIET) -e '.[dev]' 2>&1 | $(HIDE_MIRROR_NOISE)
	# lifelines 0.30.3 declares pandas<3; install pandas 3 over it on purpose (pip warns about it)
	$(BIN_P3)/python -m pip install $(PIP_QUIET) --upgrade 'pandas>=3' 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_P3)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

test-pandas3: $(VENV_P3)/.mlhc-pandas3
	$(BIN_P3)/python -c 'import pandas; assert pandas.__version__ >= "3", pandas.__version__; print("pandas", pandas.__version__)'
	PATH="$(BIN_P3):$$PATH" $(BIN_P3)/python -m pytest -q -p no:cacheprovider $(LIB_TESTS) $(LIB_DOCTESTS) \
		tests/test_notebooks.py

$(VENV_NEW)/.mlhc-new: pyproject.toml
	@test -n "$(PYTHON_NEW)" || { echo "make test-newest-python needs python3.13 or python3.12 (set PYTHON_NEW=...)"; exit 2; }
	@test -x $(BIN_NEW)/python || $(PYTHON_NEW) -m venv $(VENV_NEW)
	$(BIN_NEW)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_NEW)/python -m pip install $(PIP_QUIET) -e '.[dev]' 2>&1 | $(HIDE_MIRROR_NOISE)
	@touch $@

test-newest-python: $(VENV_NEW)/.mlhc-new
	$(BIN_NEW)/python --version
	$(BIN_NEW)/python -m pytest -q -p no:cacheprovider $(LIB_TESTS) $(LIB_DOCTESTS)

lint: $(ALL_EXTRAS)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

clean:
	rm -rf _build course .pytest_cache .ruff_cache
