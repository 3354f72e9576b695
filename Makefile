# Entry points (see README "Quick start"):
#   make setup      set up .venv for contributors: the course plus every extra ([book,instructor,dev])
#   make book       set up .venv with [book] and build the course site into _build/html
#   make test       set up .venv with every extra (and the system tools the tests need); run the whole suite
#   make test-lib   the library's own tests only (no notebooks, nbgrader or book): about a minute
#   make test-min   a separate venv with the OLDEST declared dependencies (constraints/minimums.txt) and
#                   the oldest declared Python, then the library tests and every notebook there
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
PYTHON_MIN ?= $(shell for p in python3.11 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.11.*/bin/python3; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
VENV_MIN ?= .venv-min
BIN_MIN := $(abspath $(VENV_MIN))/bin

# tests/test_style.py reads this line: one list of files for `make lint` and the style test.
LINT_PATHS := mlhc_course tests benchmarks scripts book/_ext nbgrader_config.py

# The library's tests: fast, and they need no extra beyond [dev]. Every tests/test_*.py file is in
# exactly one of these two lists (tests/test_makefile.py checks it): a new test file must be sorted.
LIB_TESTS := tests/test_metrics.py tests/test_plots.py tests/test_splits.py tests/test_audit.py \
	tests/test_reporting.py tests/test_modelling.py tests/test_imaging.py tests/test_docstrings.py \
	tests/test_datasets_canonical.py tests/test_datasets_ehr.py tests/test_datasets_images.py \
	tests/test_datasets_notes.py tests/test_datasets_omics.py tests/test_datasets_pitfalls.py \
	tests/test_datasets_primary_care.py tests/test_datasets_validation.py tests/test_datasets_ward.py \
	tests/test_framingham.py tests/test_news2.py tests/test_exercises.py tests/test_exercises_lessons.py \
	tests/test_random_state.py tests/test_validation.py tests/test_data_cli.py tests/test_layering.py \
	tests/test_makefile.py \
	tests/test_lesson_01_test_accuracy.py tests/test_lesson_07_rare_outcomes.py \
	tests/test_lesson_10_survival_analysis.py tests/test_lesson_11_causal_inference.py \
	tests/test_lesson_12_clinical_text.py tests/test_lesson_13_omics.py tests/test_lesson_14_medical_imaging.py
# The notebooks (every lesson and every problem set's source, run top to bottom) and the lesson tests
# that run a lesson's cells: they need no extra beyond [dev] either (make test-min, make test-pandas3).
NOTEBOOK_TESTS := tests/test_notebooks.py tests/test_lesson_00_python_for_clinicians.py \
	tests/test_lesson_02_ehr_sql_cohorts.py tests/test_lesson_03_first_risk_model.py \
	tests/test_lesson_04_beyond_linear_models.py
# The other tests: they run nbgrader, the book or a browser, or check the whole install ([book] and
# [instructor] too) and the repository's own files.
OTHER_TESTS := $(NOTEBOOK_TESTS) tests/test_problem_sets.py tests/test_book.py \
	tests/test_book_rebuild.py tests/test_bibliography.py \
	tests/test_plots_book_page.py tests/test_site_browser.py tests/test_jupyterlab_browser.py \
	tests/test_nbgrader_roundtrip.py tests/test_assign_cli.py tests/test_cli.py tests/test_grading_bad_submissions.py \
	tests/test_grading_collect.py tests/test_grading_course.py tests/test_grading_hardening.py \
	tests/test_grading_pipeline.py tests/test_grading_postgres.py tests/test_grading_sandbox.py tests/test_grading_zygote.py \
	tests/test_dependencies.py tests/test_style.py tests/test_publishing.py tests/test_repo_hygiene.py
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

$(VENV_MIN)/.mlhc-min: pyproject.toml constraints/minimums.txt scripts/ipython_kernel_config.json
	@test -n "$(PYTHON_MIN)" || { echo "make test-min needs the oldest declared Python (set PYTHON_MIN=...)"; exit 2; }
	@test -x $(BIN_MIN)/python || $(PYTHON_MIN) -m venv $(VENV_MIN)
	$(BIN_MIN)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_MIN)/python -m pip install $(PIP_QUIET) -c constraints/minimums.txt -e '.[dev]' 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_MIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	mkdir -p $(VENV_MIN)/etc/ipython && cp scripts/ipython_kernel_config.json $(VENV_MIN)/etc/ipython/
	@touch $@

test-min: $(VENV_MIN)/.mlhc-min
	$(BIN_MIN)/python --version
	$(BIN_MIN)/python -m pip list 2>/dev/null | grep -iE '^(numpy|pandas|scipy|scikit-learn|matplotlib|lifelines|click|imbalanced-learn|pydicom|rapidfuzz|ipykernel|jupyterlab) '
	PATH="$(BIN_MIN):$$PATH" $(BIN_MIN)/python -m pytest -q -p no:cacheprovider $(LIB_TESTS) $(LIB_DOCTESTS) \
		$(NOTEBOOK_TESTS)

$(VENV_P3)/.mlhc-pandas3: pyproject.toml scripts/ipython_kernel_config.json
	@test -x $(BIN_P3)/python || $(PYTHON) -m venv $(VENV_P3)
	$(BIN_P3)/python -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_P3)/python -m pip install $(PIP_QUIET) -e '.[dev]' 2>&1 | $(HIDE_MIRROR_NOISE)
	# lifelines 0.30.3 declares pandas<3; install pandas 3 over it on purpose (pip warns about it)
	$(BIN_P3)/python -m pip install $(PIP_QUIET) --upgrade 'pandas>=3' 2>&1 | $(HIDE_MIRROR_NOISE)
	$(BIN_P3)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	mkdir -p $(VENV_P3)/etc/ipython && cp scripts/ipython_kernel_config.json $(VENV_P3)/etc/ipython/
	@touch $@

test-pandas3: $(VENV_P3)/.mlhc-pandas3
	$(BIN_P3)/python -c 'import pandas; assert pandas.__version__ >= "3", pandas.__version__; print("pandas", pandas.__version__)'
	PATH="$(BIN_P3):$$PATH" $(BIN_P3)/python -m pytest -q -p no:cacheprovider $(LIB_TESTS) $(LIB_DOCTESTS) \
		$(NOTEBOOK_TESTS)

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
