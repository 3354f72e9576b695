"""The sandbox and the hardened client, on tiny notebooks: what student code can and cannot do.

Each isolation test has a control run without the sandbox (or without the guard) that shows the
same code *does* succeed there, so the test can fail if the sandbox stops doing its job.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import warnings

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from mlhc_course.grading import SandboxPolicy
from mlhc_course.grading._execute import ParallelRunner

needs_bwrap = pytest.mark.usefixtures("_bwrap")


@pytest.fixture
def _bwrap():
    from grading_fixtures import require_bwrap

    require_bwrap()


def _test_cell(source):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "t",
        "points": 1,
        "locked": True,
        "solution": False,
        "schema_version": 3,
    }
    return cell


def _run(cells, *, hidden=(), use_bwrap=None, timeout=10, **client):
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    policy = SandboxPolicy(hidden=list(hidden), exposed=[sys.prefix, sys.base_prefix], use_bwrap=use_bwrap)
    runner = ParallelRunner(1, policy, Config(), {"timeout": timeout, **client})
    try:
        out, events = runner.submit(nb, None).result(timeout=120)
    finally:
        runner.close()
    return out, events


def _text(cell):
    return json.dumps(cell.get("outputs", []))


@pytest.fixture
def secret_dir(tmp_path_factory):
    # outside /tmp's view inside the sandbox? /tmp is always hidden; this folder is explicitly hidden too
    folder = tmp_path_factory.mktemp("course")
    (folder / "gradebook.db").write_text("precious grades")
    (folder / "source.ipynb").write_text("### BEGIN HIDDEN TESTS secret")
    return folder


@needs_bwrap
def test_hidden_folders_are_empty_and_read_only(secret_dir):
    code = f"""
import os
print("listing", os.listdir({str(secret_dir)!r}))
for name in ("gradebook.db", "source.ipynb"):
    try:
        open(os.path.join({str(secret_dir)!r}, name)).read()
        print("READ", name)
    except OSError as exc:
        print("no read", type(exc).__name__)
try:
    open(os.path.join({str(secret_dir)!r}, "gradebook.db"), "w").write("x")
    print("WROTE")
except OSError as exc:
    print("no write", exc.errno)
"""
    out, _ = _run([new_code_cell(code)], hidden=[secret_dir])
    text = _text(out.cells[0])
    assert "listing []" in text and "READ" not in text and "WROTE" not in text
    assert (secret_dir / "gradebook.db").read_text() == "precious grades"
    # control: without the sandbox the same code reads and writes the files
    out, _ = _run([new_code_cell(code)], hidden=[secret_dir], use_bwrap=False)
    assert "READ" in _text(out.cells[0]) and "WROTE" in _text(out.cells[0])


@needs_bwrap
def test_no_network_not_even_the_hosts_loopback():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True)
    thread.start()
    code = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    print("CONNECTED")
except OSError as exc:
    print("refused", type(exc).__name__)
try:
    socket.create_connection(("1.1.1.1", 80), timeout=3)
    print("INTERNET")
except OSError as exc:
    print("unreachable", exc.errno)
"""
    out, _ = _run([new_code_cell(code)])
    text = _text(out.cells[0])
    assert "CONNECTED" not in text and "INTERNET" not in text
    assert not accepted
    server.close()


@needs_bwrap
def test_kernel_has_no_capabilities_and_no_other_processes():
    code = """
import os
status = open("/proc/self/status").read()
print(*[line for line in status.splitlines() if line.startswith("CapEff")])
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("env", sorted(os.environ))
"""
    out, _ = _run([new_code_cell(code)])
    text = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert "CapEff:\t0000000000000000" in text
    pids = text.split("pids ")[1].split("\n")[0]
    assert len(json.loads(pids)) <= 3  # bwrap's init and the kernel: nothing of the host


@needs_bwrap
def test_environment_is_cleared(monkeypatch):
    monkeypatch.setenv("MLHC_TEST_SECRET", "token123")
    out, _ = _run([new_code_cell("import os; print(os.environ.get('MLHC_TEST_SECRET'))")])
    assert "token123" not in _text(out.cells[0])


def test_memory_limit_raises_memory_error_in_the_cell():
    out, events = _run([new_code_cell("x = bytearray(8 * 1024**3)"), new_code_cell("print('alive')")])
    assert "MemoryError" in _text(out.cells[0])
    assert "alive" in _text(out.cells[1])


def test_output_is_capped_but_errors_are_kept():
    cells = [
        new_code_cell("for _ in range(50):\n    print('y' * 100_000)\nraise ValueError('kept')"),
    ]
    out, events = _run(cells, output_limit=200_000)
    text = _text(out.cells[0])
    assert len(text) < 400_000
    assert "output truncated by the grader" in text and "kept" in text
    assert any("output truncated" in e for e in events)


def test_guard_undoes_monkeypatching_before_a_test():
    cells = [
        new_code_cell(
            "import math, numpy as np\nanswer = 0.5\nmath.isclose = lambda *a, **k: True\n"
            "np.allclose = lambda *a, **k: True"
        ),
        _test_cell("assert math.isclose(answer, 0.9), 'wrong'\nassert np.allclose(answer, 0.9), 'wrong too'"),
    ]
    out, events = _run(cells)
    assert "AssertionError" in _text(out.cells[1])
    assert any("math.isclose" in e and "numpy.allclose" in e for e in events)
    # control: without the guard the patched helpers let the wrong answer pass
    out, _ = _run(cells, guard=False)
    assert out.cells[1].outputs == []


def test_guard_restores_rebound_module_names():
    setup = new_code_cell("import math")  # the instructor's locked setup cell
    setup.metadata["nbgrader"] = {"grade": False, "grade_id": "setup", "locked": True, "solution": False}
    cells = [
        setup,
        new_code_cell(
            "class Fake:\n    def isclose(self, *a, **k):\n        return True\nmath = Fake()\nanswer = 0.5"
        ),
        _test_cell("assert math.isclose(answer, 0.9), 'wrong'"),
    ]
    out, events = _run(cells)
    assert "AssertionError" in _text(out.cells[2])
    assert any("'math'" in e for e in events)


def test_patching_inside_the_code_under_test_fails_the_test():
    cells = [
        new_code_cell("import math\ndef answer():\n    math.isclose = lambda *a, **k: True\n    return 0.5"),
        _test_cell("assert math.isclose(answer(), 0.9)"),
    ]
    out, events = _run(cells)
    assert "TamperingDetected" in _text(out.cells[1])


def test_ipython_exception_handler_hijack_is_undone():
    cells = [
        new_code_cell("get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)"),
        _test_cell("assert 1 == 2, 'must fail'"),
    ]
    out, events = _run(cells)
    assert "must fail" in _text(out.cells[1])


def test_missing_bwrap_grades_with_limits_and_warns(monkeypatch, tmp_path):
    from mlhc_course.grading import _sandbox

    policy = SandboxPolicy(use_bwrap=None)
    monkeypatch.setattr(_sandbox, "bwrap_works", lambda: False)
    assert not policy.sandboxed
    with pytest.warns(RuntimeWarning, match="without a sandbox"):
        assert _sandbox.warn_if_unsandboxed(policy) is False
    cmd = policy.wrap(["python", "-c", "pass"], workdir=str(tmp_path), binds=[], env={"HOME": str(tmp_path)})
    assert "bwrap" not in cmd[0] and any("--as=" in part or part.isdigit() for part in cmd)
    # and grading still works, with the memory limit in force
    out, _ = _run([new_code_cell("x = bytearray(8 * 1024**3)")], use_bwrap=False)
    assert "MemoryError" in _text(out.cells[0])


def test_timeout_interrupts_and_the_notebook_goes_on():
    out, events = _run([new_code_cell("while True:\n    pass"), new_code_cell("print('next')")], timeout=2)
    assert "CellTimeoutError" in _text(out.cells[0])
    assert "next" in _text(out.cells[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert any("timed out" in e for e in events)


def test_notebook_key_depends_on_sources_only():
    from mlhc_course.grading._execute import notebook_key

    a = new_notebook(cells=[new_code_cell("x = 1")])
    b = nbformat.from_dict(json.loads(json.dumps(a)))
    b.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    assert notebook_key(a) == notebook_key(b)
    b.cells[0].source = "x = 2"
    assert notebook_key(a) != notebook_key(b)


@needs_bwrap
def test_repository_course_hides_sources_but_exposes_the_toolkit(repo_root):
    # The default course is the repository itself (its nbgrader_config.py): the venv and the
    # mlhc_course package live inside the hidden course root and must stay usable.
    from mlhc_course.grading import open_course

    policy = SandboxPolicy.for_course(open_course(repo_root))
    source = repo_root / "notebooks" / "assignments"
    secret = next(source.glob("*/*.ipynb"))
    code = f"""
import os
from mlhc_course import metrics
print("toolkit ok", callable(metrics.ppv_at_prevalence))
print("visible", sorted(os.listdir({str(repo_root)!r})))
print("sources", os.listdir({str(source)!r}) if os.path.isdir({str(source)!r}) else "absent")
try:
    open({str(secret)!r}).read()
    print("SOURCE READ")
except OSError as exc:
    print("source unreadable", type(exc).__name__)
"""
    nb = new_notebook(
        cells=[new_code_cell(code)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    runner = ParallelRunner(1, policy, Config(), {"timeout": 60})
    try:
        out, _ = runner.submit(nb, None).result(timeout=120)
    finally:
        runner.close()
    text = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert "toolkit ok True" in text, text
    assert "SOURCE READ" not in text and "source unreadable" in text
    assert "sources []" in text or "sources absent" in text
    visible = text.split("visible ")[1].split("\n")[0]
    assert "nbgrader_config.py" not in visible and "README.md" not in visible


@needs_bwrap
def test_sandboxed_execute_in_plain_nbgrader_hides_the_course(tmp_path):
    # SandboxedExecute can also be configured into nbgrader's own Autograde (no mlhc runner active)
    from grading_fixtures import autograded_points, make_course, notebooks, submit

    from mlhc_course.grading._execute import SandboxedExecute, sandboxed_autograde_preprocessors

    assignment = "ps0_test_accuracy"
    course = make_course(tmp_path / "c", [assignment])
    nbs = notebooks(course, assignment, "correct")
    gradebook = course.db_url[len("sqlite:///") :]
    answer = next(c for c in nbs[assignment].cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source = (
        f"try:\n    open({gradebook!r}, 'rb').read()\n    print('GRADEBOOK READ')\n"
        f"except OSError:\n    print('gradebook hidden')\n" + answer.source
    )
    submit(course, assignment, "s1", nbs)
    config = Config()
    config.merge(course.config)
    config.Autograde.autograde_preprocessors = sandboxed_autograde_preprocessors()
    assert SandboxedExecute in config.Autograde.autograde_preprocessors
    result = course.run_converter(
        "Autograde", assignment, "s1", config=config, force=True, create_student=True
    )
    assert result["success"], result["log"]
    graded = nbformat.read(course.path("autograded", assignment, "s1") / f"{assignment}.ipynb", as_version=4)
    text = "".join(json.dumps(c.get("outputs", [])) for c in graded.cells if c.cell_type == "code")
    assert "gradebook hidden" in text and "GRADEBOOK READ" not in text
    with course.gradebook() as gb:
        assert gb.find_submission(assignment, "s1").score == autograded_points(course, assignment)


def test_output_cap_keeps_the_head_and_the_stderr_signal():
    cells = [
        new_code_cell("print('HEAD' + 'z' * 300_000)"),
        _test_cell("import sys\nprint('a' * 300_000)\nprint('late warning', file=sys.stderr)"),
    ]
    out, _ = _run(cells, output_limit=100_000)
    first = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert first.startswith("HEAD") and 100_000 <= len(first) < 100_200
    # a grade cell that wrote to stderr still scores 0 in nbgrader, even past the cap
    assert any(o.get("name") == "stderr" for o in out.cells[1].outputs)
