"""Issue 8: a student's notebook must not raise its score, read hidden tests or touch the host.

One grading run of PS0 holds one submission per attack next to reference submissions. Each attack is
paired with a control that shows it is real: the same notebook run the way the old grader and plain
nbgrader ran it (student code and tests in one kernel started in the submission's folder) does get
the marks or the hidden tests. Holes 5-8 (mounts, fail closed, limits, TMPDIR) are tested in
test_grading_sandbox.py, whose tests need no course.
"""

from __future__ import annotations

import copy
import json
import re
import types
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import graded_cells, hidden_test_lines, make_course, notebooks, require_bwrap, submit

pytestmark = pytest.mark.slow

ASSIGNMENT = "ps0_test_accuracy"
NB_ID = ASSIGNMENT
TIMEOUT = 30

# Hole 1: a launcher beside the notebook that makes every cell with an assert a no-op.
FAKE_LAUNCHER = """
import os, sys
sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
from IPython.core.interactiveshell import InteractiveShell
_transform = InteractiveShell.transform_cell
def transform_cell(self, raw_cell):
    return "pass\\n" if "assert" in raw_cell else _transform(self, raw_cell)
InteractiveShell.transform_cell = transform_cell
from ipykernel import kernelapp as app
app.launch_new_instance()
"""
FAKE_MATH = "def isclose(*args, **kwargs):\n    return True\n"

# Hole 2: student code that changes how IPython runs later cells (the old guard did not check this).
TRANSFORMER_ATTACK = (
    "get_ipython().transform_cell = lambda raw_cell: 'pass\\n' if 'assert' in raw_cell else raw_cell\n"
)

# Hole 3: print every cell as it runs, and the caller's source from inside the answer.
LEAK_HOOK = (
    "def _leak(info):\n    print('LEAK-CELL', info.raw_cell)\n"
    "get_ipython().events.register('pre_run_cell', _leak)\n"
)
LEAK_IN_ANSWER = (
    r"\1    import inspect as _i\n"
    r"    try:\n        print('LEAK-STACK', ''.join(_i.getsourcelines(_i.stack()[1].frame)[0]))\n"
    r"    except Exception:\n        pass\n"
)

# Holes 4 and 9: what a student's code tries to read from its working folder.
PROBE = """
import os
print("cwd-listing", sorted(os.listdir(".")))
for _n in ("answer_key.txt", "cohort.csv", "data.csv"):
    try:
        print("read", _n, open(_n).read())
    except OSError as _e:
        print("unreadable", _n, type(_e).__name__)
"""


def _answers(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]


def _prepend(nb, code):
    nb = copy.deepcopy(nb)
    cell = _answers(nb)[0]
    cell.source = code + "\n" + cell.source
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from mlhc_course.grading import autograde, generate_feedback

    require_bwrap()
    root = tmp_path_factory.mktemp("hardening")
    course = make_course(root / "course", [ASSIGNMENT])
    source_dir = course.path("source", ASSIGNMENT)
    (source_dir / "answer_key.txt").write_text("ANSWER-KEY: sensitivity is 0.9")
    (source_dir / "cohort.csv").write_text("cohort-data,1,2,3")
    secret = root / "secret.txt"
    secret.write_text("HOST-SECRET")

    blank = notebooks(course, ASSIGNMENT, "blank")[NB_ID]
    correct = notebooks(course, ASSIGNMENT, "correct")[NB_ID]
    leak = _prepend(correct, LEAK_HOOK)
    first = _answers(leak)[0]
    first.source = re.sub(r"(def \w+\(.*\):\n)", LEAK_IN_ANSWER, first.source, count=1)
    cases = {
        "ref_blank": {NB_ID: blank},
        "ref_correct": {NB_ID: correct},
        "files_attack": {NB_ID: blank},
        "transformer_attack": {NB_ID: _prepend(blank, TRANSFORMER_ATTACK)},
        "leak_attack": {NB_ID: leak},
        "probe": {NB_ID: _prepend(correct, PROBE)},
    }
    for student, nbs in cases.items():
        submit(course, ASSIGNMENT, student, nbs)
    attack_files = {"ipykernel_launcher.py": FAKE_LAUNCHER, "math.py": FAKE_MATH, "sitecustomize.py": "x = 1"}
    submit(course, ASSIGNMENT, "files_attack", files=attack_files)
    # hole 4: links to files the sandbox hides, followed with the grader's rights by the old intake
    (course.path("submitted", ASSIGNMENT, "probe") / "data.csv").symlink_to(secret)
    linked = course.path("submitted", ASSIGNMENT, "symlink_notebook")
    linked.mkdir(parents=True)
    (linked / f"{NB_ID}.ipynb").symlink_to(source_dir / f"{NB_ID}.ipynb")

    run = autograde(course, ASSIGNMENT, jobs=2, timeout=TIMEOUT, data_files=["cohort.csv"])
    feedback = generate_feedback(course, ASSIGNMENT, students=["leak_attack", "probe"])
    return {
        "course": course,
        "run": run,
        "feedback": feedback,
        "cases": cases,
        "secret": secret,
        "root": root,
    }


def _scores(course, student):
    with course.gradebook() as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        return {
            g.name: g.auto_score
            for nb in submission.notebooks
            for g in nb.grades
            if g.cell.cell_type == "code"
        }


def _autograded(course, student):
    return nbformat.read(course.path("autograded", ASSIGNMENT, student) / f"{NB_ID}.ipynb", as_version=4)


def _outputs(nb) -> str:
    return "\n".join(
        json.dumps(c.get("outputs", []), ensure_ascii=False) for c in nb.cells if c.cell_type == "code"
    )


def _as_old_grader_ran_it(course, nb, folder: Path, files: dict | None = None):
    """The control: student code and the full tests in ONE kernel started in the submission's
    folder (with the student's files beside the notebook), as the old grader and nbgrader do."""
    from nbclient import NotebookClient

    source = nbformat.read(course.path("source", ASSIGNMENT) / f"{NB_ID}.ipynb", as_version=4)
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in graded_cells(source)}
    nb = copy.deepcopy(nb)
    for cell in graded_cells(nb):
        cell.source = tests[cell.metadata["nbgrader"]["grade_id"]]
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True)
    client.execute(cwd=str(folder))
    return nb


def _tests_pass(nb) -> bool:
    return all(not any(o.get("output_type") == "error" for o in c.outputs) for c in graded_cells(nb))


def test_references(graded):
    course, run = graded["course"], graded["run"]
    assert run.result("ref_correct").score == run.result("ref_correct").max_score > 0
    assert run.result("ref_blank").score == 0
    assert set(_scores(course, "probe").values()) != {0}


# -- hole 1: files beside the notebook ------------------------------------------------------------
def test_files_beside_the_notebook_are_never_run(graded, tmp_path):
    course, run = graded["course"], graded["run"]
    result = run.result("files_attack")
    assert result.status == "graded" and result.score == 0
    assert _scores(course, "files_attack") == _scores(course, "ref_blank")
    assert any("ipykernel_launcher.py: added by the student" in n for n in result.notes), result.notes
    # control: started in the submission's folder, the student's launcher turns every test into a no-op
    nb = _as_old_grader_ran_it(
        course, graded["cases"]["files_attack"][NB_ID], tmp_path / "s", _attack_files()
    )
    assert _tests_pass(nb)


def _attack_files():
    return {"ipykernel_launcher.py": FAKE_LAUNCHER, "math.py": FAKE_MATH}


# -- hole 2: the tests run in another interpreter ---------------------------------------------------
def test_changing_ipython_in_the_student_kernel_cannot_skip_the_tests(graded, tmp_path):
    course, run = graded["course"], graded["run"]
    assert run.result("transformer_attack").score == 0
    assert _scores(course, "transformer_attack") == _scores(course, "ref_blank")
    # control: in the student's own interpreter the tests become no-ops and pass
    nb = _as_old_grader_ran_it(course, graded["cases"]["transformer_attack"][NB_ID], tmp_path / "s")
    assert _tests_pass(nb)


# -- hole 3: hidden tests never reach the student's kernel, and output quoting them is redacted -----
def test_hidden_tests_do_not_leak_through_student_output(graded, tmp_path):
    course = graded["course"]
    hidden = hidden_test_lines(course, ASSIGNMENT)
    graded_text = _outputs(_autograded(course, "leak_attack"))
    assert "LEAK-CELL" in graded_text  # the hook ran, in the student's kernel
    assert not [line for line in hidden if line in graded_text]
    html = next(p for p in graded["feedback"] if "leak_attack" in str(p)).read_text(encoding="utf-8")
    assert not [line for line in hidden if line in html]
    assert _scores(course, "leak_attack") == _scores(course, "ref_correct")
    # control: in one kernel the hook and the answer print the hidden tests
    nb = _as_old_grader_ran_it(course, graded["cases"]["leak_attack"][NB_ID], tmp_path / "s")
    assert [line for line in hidden if line in _outputs(nb)]


def test_feedback_redacts_any_output_that_quotes_hidden_tests(graded):
    from nbformat.v4 import new_output

    from mlhc_course.grading._feedback import REDACTED_OUTPUT, RedactHiddenTests

    course = graded["course"]
    nb = _autograded(course, "ref_correct")
    hidden = hidden_test_lines(course, ASSIGNMENT)
    test = graded_cells(nb)[0]
    student = _answers(nb)[0]
    for cell in (test, student):
        cell.outputs = [
            new_output("stream", name="stdout", text="echo: " + hidden[0]),
            new_output("display_data", data={"text/html": "<pre>" + hidden[0] + "</pre>"}),
            new_output("stream", name="stdout", text="harmless"),
        ]
    out, _ = RedactHiddenTests().preprocess(nb, {})
    text = _outputs(out)
    assert hidden[0] not in text and text.count(REDACTED_OUTPUT.strip()) == 4 and "harmless" in text


# -- hole 4: links are never followed ---------------------------------------------------------------
def test_symbolic_links_are_rejected_with_a_reason(graded):
    course, run = graded["course"], graded["run"]
    result = run.result("symlink_notebook")
    assert result.status == "failed" and any("symbolic link" in r for r in result.reasons), result.reasons
    assert result.score == 0
    probe = run.result("probe")
    assert any("data.csv: is a symbolic link" in n for n in probe.notes), probe.notes
    text = _outputs(_autograded(course, "probe"))
    assert "HOST-SECRET" not in text and "unreadable data.csv" in text
    # control: the links do resolve, with the grader's rights, to a hidden file and the instructor's source
    link = course.path("submitted", ASSIGNMENT, "probe") / "data.csv"
    assert link.read_text() == "HOST-SECRET"
    source = course.path("submitted", ASSIGNMENT, "symlink_notebook") / f"{NB_ID}.ipynb"
    assert "BEGIN HIDDEN TESTS" in source.read_text()


# -- hole 9: only allow-listed data files from the instructor's source ------------------------------
def test_only_allow_listed_source_files_reach_the_kernels(graded):
    course = graded["course"]
    text = _outputs(_autograded(course, "probe"))
    assert "cohort-data,1,2,3" in text
    assert "ANSWER-KEY" not in text and "unreadable answer_key.txt" in text
    listing = text.split("cwd-listing")[1].split("\\n")[0]
    assert "answer_key.txt" not in listing and "data.csv" not in listing
    # control: the file is in the source folder, and the same code reads a file that is there
    assert (course.path("source", ASSIGNMENT) / "answer_key.txt").is_file()


def test_data_files_must_be_plain_files_of_the_source(graded):
    from mlhc_course.grading import autograde

    course = graded["course"]
    for bad in ("../secret.txt", "missing.csv", f"{NB_ID}.ipynb"):
        with pytest.raises(ValueError, match="(?i)data"):
            autograde(course, ASSIGNMENT, students=["ref_blank"], data_files=[bad])


# -- renames are recorded ---------------------------------------------------------------------------
def test_collect_records_every_rename(graded, tmp_path):
    import zipfile

    from mlhc_course.grading import collect_submissions

    course = graded["course"]
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"doe_jane_555_{NB_ID}-1.ipynb", "{}")
        link = zipfile.ZipInfo("roe_rick_556_data.csv")
        link.external_attr = (0o120777 << 16) | 0
        zf.writestr(link, "/etc/passwd")
    summary = collect_submissions(course, ASSIGNMENT, archive)
    assert ("555", f"{NB_ID}-1.ipynb", f"{NB_ID}.ipynb") in summary.renamed_files
    assert any("symbolic link" in why for _, why in summary.unmatched)
    assert "555" in str(summary) and "->" in str(summary)


# -- hole 10: a kernel that cannot start is never the student's zero --------------------------------
def _flaky_kernels(monkeypatch, failures: int):
    from mlhc_course.grading import _sandbox

    calls = {"n": 0}
    original = _sandbox.SandboxedKernelManager.format_kernel_cmd

    def format_kernel_cmd(self, extra_arguments=None):
        calls["n"] += 1
        if calls["n"] <= failures:
            return ["/bin/false"]  # dies before replying to kernel_info, as under heavy load
        return original(self, extra_arguments)

    monkeypatch.setattr(_sandbox.SandboxedKernelManager, "format_kernel_cmd", format_kernel_cmd)
    return calls


def test_kernel_start_failure_is_retried(graded, monkeypatch):
    from mlhc_course.grading import autograde

    course = graded["course"]
    calls = _flaky_kernels(monkeypatch, failures=1)
    run = autograde(course, ASSIGNMENT, students=["ref_correct"], jobs=1, timeout=TIMEOUT)
    result = run.result("ref_correct")
    assert calls["n"] >= 2  # control: the first start really failed, and was retried
    assert result.status == "graded" and result.score == result.max_score
    assert any("start attempt 1 failed" in n for n in result.notes), result.notes


def test_kernel_that_never_starts_is_not_graded_and_the_cli_fails(graded, monkeypatch):
    from click.testing import CliRunner

    from mlhc_course.cli import main

    course = graded["course"]
    submit(course, ASSIGNMENT, "never_starts", {NB_ID: graded["cases"]["ref_correct"][NB_ID]})
    _flaky_kernels(monkeypatch, failures=10**6)
    monkeypatch.setattr("mlhc_course.grading._execute.START_ATTEMPTS", 2)
    result = CliRunner().invoke(
        main,
        ["assign", "grade", ASSIGNMENT, "--course-dir", str(course.root), "--student", "never_starts"],
    )
    assert result.exit_code == 1, result.output
    assert "never_starts: not graded" in result.stdout and "could not be started" in result.stdout
    from mlhc_course.grading import read_grading_log

    entry = read_grading_log(course, ASSIGNMENT)["never_starts"]
    assert entry["status"] == "not graded" and entry["reasons"]
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb, pytest.raises(MissingEntry):
        gb.find_submission(ASSIGNMENT, "never_starts")  # no zero was recorded


def test_answers_are_not_served_before_the_students_run_is_over():
    import asyncio

    from mlhc_course.grading import _execute

    submission = _execute._Submission(None, nbformat.v4.new_notebook(), _execute.NotebookSpec())
    # a live student kernel that is still running the submission: only the run's end lets answers out
    submission.student = types.SimpleNamespace(_dead=None)
    reply = json.loads(asyncio.run(submission._ask_student(json.dumps({"op": "get", "name": "x"}))))
    assert reply["error"] == "RuntimeError" and "not running" in reply["message"]


def test_the_tests_kernel_starts_while_the_student_kernel_runs(graded, monkeypatch):
    import time

    from mlhc_course.grading import _execute, autograde

    seen: dict[str, float] = {}
    start_tests, run_student = _execute._Submission._start_tests, _execute._Submission._run_student

    async def timed_start_tests(self):
        seen["tests started"] = time.monotonic()
        return await start_tests(self)

    async def timed_run_student(self):
        await run_student(self)
        seen["student finished"] = time.monotonic()

    monkeypatch.setattr(_execute._Submission, "_start_tests", timed_start_tests)
    monkeypatch.setattr(_execute._Submission, "_run_student", timed_run_student)
    run = autograde(graded["course"], ASSIGNMENT, students=["ref_correct"], jobs=1, timeout=TIMEOUT)
    result = run.result("ref_correct")
    assert result.status == "graded" and result.score == result.max_score  # and nothing else changes
    assert seen["tests started"] < seen["student finished"]
