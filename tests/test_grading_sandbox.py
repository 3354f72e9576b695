"""The sandbox and the hardened client, on tiny notebooks: what student code can and cannot do.

Each isolation test has a control run without the sandbox that shows the same code *does* succeed
there, so the test can fail if the sandbox stops doing its job. Issue 8's holes 5 (Unix sockets and
other copies of the course), 7 (whole-submission limits) and 8 (TMPDIR) are tested here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

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


def _run(cells, *, hidden=(), use_bwrap=None, timeout=10, limits=None, **client):
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    policy = SandboxPolicy.hiding(list(hidden), use_bwrap=use_bwrap, **(limits or {}))
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
def test_hidden_folders_are_absent_and_unwritable(secret_dir):
    code = f"""
import os
print("listing", os.listdir({str(secret_dir)!r}) if os.path.isdir({str(secret_dir)!r}) else "absent")
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
    assert ("listing absent" in text or "listing []" in text) and "READ" not in text and "WROTE" not in text
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


@needs_bwrap
def test_n_jobs_runs_serially_without_a_warning_in_the_feedback():
    """scikit-learn's n_jobs=2 works in the sandbox and prints nothing on stderr (JOBLIB_MULTIPROCESSING=0).

    The second cell is the control: with joblib's multiprocessing switched back on, the sandbox's
    unwritable /dev/shm makes joblib warn, which is what the setting keeps out of the feedback.
    """
    fit = (
        "import warnings; warnings.simplefilter('always')\n"
        "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier\n"
        "RandomForestClassifier(n_estimators=4, n_jobs=2, random_state=0)"
        ".fit(np.arange(40.0).reshape(20, 2), np.arange(20) % 2)\nprint('fitted')"
    )
    control = (
        "import subprocess, sys, os\n"
        "env = dict(os.environ); env.pop('JOBLIB_MULTIPROCESSING')\n"
        "r = subprocess.run([sys.executable, '-c', 'import joblib.parallel'], env=env,"
        " capture_output=True, text=True)\nprint(r.stderr)"
    )
    out, _ = _run([new_code_cell(fit), new_code_cell(control)], timeout=60)
    assert json.loads(_text(out.cells[0])) == [
        {"output_type": "stream", "name": "stdout", "text": "fitted\n"}
    ]
    assert "joblib will operate in serial mode" in _text(out.cells[1])


@needs_bwrap
def test_memory_limit_raises_memory_error_in_the_cell():
    out, events = _run([new_code_cell("x = bytearray(8 * 1024**3)"), new_code_cell("print('alive')")])
    assert "MemoryError" in _text(out.cells[0])
    assert "alive" in _text(out.cells[1])


@needs_bwrap
def test_output_is_capped_but_errors_are_kept():
    cells = [
        new_code_cell("for _ in range(50):\n    print('y' * 100_000)\nraise ValueError('kept')"),
    ]
    out, events = _run(cells, output_limit=200_000)
    text = _text(out.cells[0])
    assert len(text) < 400_000
    assert "output truncated by the grader" in text and "kept" in text
    assert any("output truncated" in e for e in events)


@needs_bwrap
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


@needs_bwrap
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


# -- issue 8, hole 5: mounts by allow-list ---------------------------------------------------------
def _unix_server(path: str):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    os.chmod(path, 0o777)
    return server


@needs_bwrap
def test_host_unix_sockets_and_other_course_copies_are_unreachable(tmp_path):
    # The old sandbox bound / read-only and hid only the course, home and /tmp: a socket under /run
    # or /var (a local gradebook server, D-Bus, a container daemon) and a second clone of the course
    # elsewhere on disk were reachable. Now only the allow-list is mounted.
    places = [Path(tempfile.gettempdir()), Path("/run"), Path("/var/tmp")]
    holders = []
    for place in places:
        if os.access(place, os.W_OK):
            holders.append(Path(tempfile.mkdtemp(prefix="mlhc-sock-", dir=place)))
    assert holders, "no writable place for the test's sockets"
    servers = [_unix_server(str(h / "gradebook.sock")) for h in holders]
    clone = Path(tempfile.mkdtemp(prefix="mlhc-clone-", dir="/var/tmp")) / "course-backup"
    shutil.copytree(Path(__file__).resolve().parents[1] / "notebooks" / "assignments", clone)
    secret = next(clone.glob("*/*.ipynb"))
    code = f"""
import socket
for path in {[str(h / "gradebook.sock") for h in holders]!r}:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        print("CONNECTED", path)
    except OSError as exc:
        print("unreachable", type(exc).__name__)
try:
    print("READ" if "HIDDEN TESTS" in open({str(secret)!r}).read() else "read but no tests")
except OSError as exc:
    print("clone unreadable", type(exc).__name__)
"""
    try:
        out, _ = _run([new_code_cell(code)])
        text = _text(out.cells[0])
        assert "CONNECTED" not in text and "READ" not in text, text
        assert text.count("unreachable") == len(holders) and "clone unreadable" in text
        # control: the same code outside the sandbox reaches every socket and reads the hidden tests
        out, _ = _run([new_code_cell(code)], use_bwrap=False)
        text = _text(out.cells[0])
        assert text.count("CONNECTED") == len(holders) and "READ" in text, text
    finally:
        for server in servers:
            server.close()
        for h in holders:
            shutil.rmtree(h, ignore_errors=True)
        shutil.rmtree(clone.parent, ignore_errors=True)


@needs_bwrap
def test_var_run_and_tmp_are_empty_and_read_only():
    code = """
import os
for d in ("/tmp", "/var", "/run"):
    print(d, sorted(os.listdir(d)))
    try:
        open(os.path.join(d, "x"), "w").write("x")
        print("WROTE", d)
    except OSError:
        print("read-only", d)
"""
    out, _ = _run([new_code_cell(code)])
    text = _text(out.cells[0])
    assert "WROTE" not in text and text.count("read-only") == 3


# -- issue 8, hole 8: the real temporary folder, wherever TMPDIR points ---------------------------
@needs_bwrap
def test_tmpdir_elsewhere_hides_staging_and_connection_files(monkeypatch):
    custom = Path(tempfile.mkdtemp(prefix="mlhc-tmpdir-", dir="/var/tmp"))
    monkeypatch.setenv("TMPDIR", str(custom))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert tempfile.gettempdir() == str(custom)
    other = custom / "mlhc-staging-other" / "s2" / "ps1"
    other.mkdir(parents=True)
    (other / "ps1.ipynb").write_text("OTHER-STUDENT-WORK")
    code = f"""
import os
found = []
for root, dirs, files in os.walk({str(custom)!r}):
    for f in files:
        try:
            found.append(open(os.path.join(root, f)).read()[:40])
        except OSError:
            pass
print("found", found)
"""
    try:
        out, _ = _run([new_code_cell(code)])
        text = _text(out.cells[0])
        assert "OTHER-STUDENT-WORK" not in text and '"connection' not in text.replace("\\\\", "")
        assert "key" not in text  # no kernel's connection file (with its signing key) is readable
        # control: outside the sandbox the other student's staged work and connection files are read
        out, _ = _run([new_code_cell(code)], use_bwrap=False)
        assert "OTHER-STUDENT-WORK" in _text(out.cells[0])
    finally:
        shutil.rmtree(custom, ignore_errors=True)


# -- issue 8, hole 7: whole-submission limits -----------------------------------------------------
_SPAWN = """
import subprocess
children = []
try:
    for _ in range(100):
        children.append(subprocess.Popen(["sleep", "60"]))
except OSError as exc:
    print("refused", type(exc).__name__)
print("children", len(children))
for c in children:
    c.kill()
    c.wait()
"""


@needs_bwrap
def test_process_count_is_limited_even_for_root():
    out, _ = _run([new_code_cell(_SPAWN)], limits={"process_limit": 24}, timeout=60)
    text = _text(out.cells[0])
    count = int(text.split("children ")[1].split("\\n")[0].split('"')[0])
    assert count < 24, text
    # control: with a generous limit all 100 start (a fork bomb would not stop at 100)
    out, _ = _run([new_code_cell(_SPAWN)], limits={"process_limit": 1000}, use_bwrap=False, timeout=60)
    assert "children 100" in _text(out.cells[0])


_FILL = """
import os
written = 0
try:
    for i in range(40):
        with open(f"fill{i}.bin", "wb") as f:
            f.write(b"x" * 1024**2)
        written += 1024**2
except OSError as exc:
    print("stopped", type(exc).__name__)
print("written", written // 1024**2)
"""


@needs_bwrap
def test_total_bytes_written_is_limited():
    out, _ = _run([new_code_cell(_FILL)], limits={"tmp_size": 16 * 1024**2}, timeout=60)
    text = _text(out.cells[0])
    written = int(text.split("written ")[1].split("\\n")[0].split('"')[0])
    assert written <= 16 and "stopped" in text, text
    # control: without the sandbox the 40 files (40 MiB) are all written, in a scratch folder
    out, _ = _run([new_code_cell(_FILL)], limits={"tmp_size": 16 * 1024**2}, use_bwrap=False, timeout=60)
    assert "written 40" in _text(out.cells[0])


@needs_bwrap
def test_cpu_seconds_are_limited():
    busy = new_code_cell("import time\nwhile True:\n    pass")
    after = new_code_cell("print('after')")
    out, events = _run([busy, after], limits={"cpu_limit": 3}, timeout=40)
    text = _text(out.cells[0])
    assert "KernelDied" in text or "CPUBudgetExceeded" in text, text
    assert any("abnormal end" in e for e in events)
    # control: without a CPU limit the loop runs until the (wall-clock) cell timeout interrupts it
    out, _ = _run([busy, after], limits={"cpu_limit": 10_000}, timeout=6)
    assert "CellTimeoutError" in _text(out.cells[0]) and "after" in _text(out.cells[1])


# -- issue 8, hole 6: fail closed --------------------------------------------------------------------
def test_grading_refuses_without_a_working_sandbox(monkeypatch, tmp_path):
    from mlhc_course.grading import SandboxUnavailable, check_sandbox
    from mlhc_course.grading._sandbox import require_sandbox

    fake = tmp_path / "bin"
    fake.mkdir()
    real = shutil.which("bwrap") or "/usr/bin/bwrap"
    (fake / "bwrap").write_text(
        "#!/bin/sh\n"
        "# a bubblewrap that lacks --size and --perms, like the 0.4 series\n"
        'case "$1" in --version) echo "bubblewrap 0.6.1"; exit 0;; esac\n'
        'for a in "$@"; do case "$a" in --size|--perms) echo "bwrap: Unknown option $a" >&2; exit 1;; esac; done\n'
        f'exec {real} "$@"\n'
    )
    (fake / "bwrap").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    policy = SandboxPolicy.hiding([])
    why = check_sandbox(policy)
    assert why is not None and "Unknown option" in why
    with pytest.raises(SandboxUnavailable, match="--no-sandbox"):
        require_sandbox(policy)
    # control: the old availability check (other flags than the real command) passed with it
    old_probe = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid"]
    old_probe += ["--unshare-net", "--cap-drop", "ALL", "--", "true"]
    assert subprocess.run([str(fake / "bwrap"), *old_probe[1:]], capture_output=True).returncode == 0
    # without bwrap at all, the same refusal; with sandbox=False a loud warning and no refusal
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert check_sandbox(policy) == "bwrap is not installed"
    with pytest.warns(RuntimeWarning, match="without a sandbox"):
        assert require_sandbox(SandboxPolicy.hiding([], use_bwrap=False)) is False


# -- issue 8, hole 2: answers reach the tests as data ----------------------------------------------
def _graded_notebook(answer: str, tests: list[str]):
    setup = new_code_cell("import math")
    setup.metadata["nbgrader"] = {"grade": False, "grade_id": "setup", "locked": True, "solution": False}
    cell = new_code_cell(answer)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "locked": False, "solution": True}
    cells = [setup, cell]
    for i, source in enumerate(tests):
        test = _test_cell(source)
        test.metadata["nbgrader"]["grade_id"] = f"t{i}"
        cells.append(test)
    return new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def _run_graded(nb):
    """Grade ``nb`` (answer cells and tests from itself, as the source) in the sandbox."""
    from mlhc_course.grading._execute import spec_from_source

    runner = ParallelRunner(1, SandboxPolicy.hiding([]), Config(), {"timeout": 60})
    try:
        return runner.submit(nb, spec_from_source(nb)).result(timeout=300)
    finally:
        runner.close()


@needs_bwrap
def test_answers_reach_the_tests_as_data_and_functions_run_in_the_student_kernel():

    answer = """
import numpy as np, pandas as pd
class Liar(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__
class Anything:
    def __eq__(self, other):
        return True
lie = Liar(0.1)
anything = Anything()
table = pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")]}, index=["x", "y"])
values = {"arr": np.arange(6).reshape(2, 3), "t": (1, "two", None), "s": {3, 4}, "inf": float("inf")}
def double(x):
    if x < 0:
        raise ValueError("negative")
    return x * 2
def boom():
    raise SystemExit(3)
"""
    tests = [
        "assert lie == 0.1 and not (lie == 0.2) and type(lie) is float",
        "assert anything != 1 and not (anything == 1)",
        "assert list(table.columns) == ['a', 'b'] and table.loc['x', 'a'] == 1 and math.isnan(table.loc['y', 'b'])",
        "assert values['arr'].shape == (2, 3) and values['arr'][1, 2] == 5 and values['t'] == (1, 'two', None)",
        "assert values['s'] == {3, 4} and values['inf'] == float('inf')",
        "assert double(21) == 42\ntry:\n    double(-1)\nexcept ValueError as exc:\n    assert 'negative' in str(exc)\nelse:\n    raise AssertionError",
        "try:\n    boom()\nexcept Exception as exc:\n    print('caught', type(exc).__name__, exc)",
        "assert 'Liar' not in globals() and 'Anything' not in globals()  # only the names the tests use",
    ]
    out, events = _run_graded(_graded_notebook(answer, tests))
    for cell in out.cells[2:]:
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], (cell.source, cell.outputs)
    # a SystemExit in the student's function is an ordinary failure in the tests, never an exit
    assert "caught StudentCodeError SystemExit" in _text(out.cells[8])
    assert any("SystemExit" in e for e in events)  # noted in the grading log


def test_parents_of_mounts_under_tmp_are_made_after_tmp_is_emptied(tmp_path):
    """A venv or course under /tmp (a CI clone, say) must stay reachable by the unprivileged kernel.

    bubblewrap makes missing parents with mode 0700; the grader makes them 0755 itself, and must do
    so after /tmp's empty tmpfs is mounted, or the tmpfs hides them and bubblewrap remakes them.
    """
    inside = tmp_path / "course" / ".venv"
    inside.mkdir(parents=True)
    policy = SandboxPolicy(exposed=[inside], use_bwrap=True)
    args = policy.wrap(["true"], binds=[], env={})
    empties = [
        i for i, a in enumerate(args) if a == "--tmpfs" and args[i + 1] in ("/tmp", tempfile.gettempdir())
    ]
    parent_dirs = [i for i, a in enumerate(args) if a == "--dir" and args[i + 1] == str(inside.parent)]
    assert empties and parent_dirs, args
    assert min(parent_dirs) > max(empties), "a parent folder was made before /tmp was emptied"
    assert args[min(parent_dirs) - 2 : min(parent_dirs)] == ["--perms", "0755"]


# The student kernel's ipc folder (bound at the same path in its sandbox) and what is in it.
_IPC_DIR = """
import os
from ipykernel.kernelapp import IPKernelApp
def ipc_files():
    folder = os.path.dirname(IPKernelApp.instance().connection_file)
    return sorted(n for n in os.listdir(folder) if n.startswith("mlhc-request-"))
"""


@needs_bwrap
def test_large_arguments_reach_the_student_through_a_file_that_is_then_deleted():

    answer = (
        _IPC_DIR
        + """
import numpy as np
def total(a, report=False):
    value = float(np.asarray(a).sum())
    return (value, ipc_files()) if report else value
def vandal(how):
    if how == "delete":
        del globals()["__mlhc_rpc_handle"]
    else:
        globals()["__mlhc_rpc_handle"] = lambda *args: '{"value": 0}'
"""
    )
    tests = [
        # 24 MB of arguments: through a file, gone once the call returns
        "import numpy as np\nX = np.arange(3_000_000, dtype=float).reshape(1000, 3000)\n"
        "value, during = total(X, report=True)\n"
        "assert value == float(X.sum()), value\n"
        "assert len(during) == 1, during\n"
        "assert ipc_files() == [], ipc_files()",
        "assert total([1.0, 2.0]) == 3.0  # a small request stays inline",
        # a student who removes or replaces the helper gets a fresh one at the next call
        "vandal('delete')\nassert total(X) == float(X.sum())",
        "vandal('replace')\nassert total(X) == float(X.sum()) and total([4.0]) == 4.0",
    ]
    out, _ = _run_graded(_graded_notebook(answer, tests))
    for cell in out.cells[2:]:
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], (cell.source, cell.outputs)


@needs_bwrap
def test_links_planted_in_the_ipc_folder_never_make_the_grader_write_elsewhere(tmp_path, monkeypatch):
    import types

    from mlhc_course.grading import _answers

    target = tmp_path / "grader_file.txt"  # on the host, out of the sandbox's reach
    target.write_text("precious")
    # the control: a grader whose file names were guessable would meet the student's link
    guessed = "0" * 32
    monkeypatch.setattr(_answers, "secrets", types.SimpleNamespace(token_hex=lambda nbytes=None: guessed))
    answer = (
        _IPC_DIR
        + f"""
folder = os.path.dirname(IPKernelApp.instance().connection_file)
names = ["mlhc-request-{guessed}"] + [f"mlhc-request-{{i:032x}}" for i in range(1, 300)]
for name in names:
    os.symlink({str(target)!r}, os.path.join(folder, name))
def total(a):
    return float(sum(a))
"""
    )
    tests = [
        "values = [0.5] * 100_000  # above the inline limit: the grader tries a file first\n"
        "assert total(values) == 50_000.0\n"
        "assert len(ipc_files()) == 300  # the links are still there, and nothing else",
    ]
    out, _ = _run_graded(_graded_notebook(answer, tests))
    assert target.read_text() == "precious"
    assert not [o for o in out.cells[1].outputs if o.get("output_type") == "error"], out.cells[1].outputs
    # the grader fell back to passing the request inline: the call still works
    assert not [o for o in out.cells[2].outputs if o.get("output_type") == "error"], out.cells[2].outputs


def test_request_files_never_follow_or_overwrite_what_is_already_there(tmp_path, monkeypatch):
    import types

    from mlhc_course.grading import _answers

    folder = tmp_path / "ipc"
    folder.mkdir()
    target = tmp_path / "target.txt"
    target.write_text("precious")
    monkeypatch.setattr(_answers, "secrets", types.SimpleNamespace(token_hex=lambda nbytes=None: "ab" * 16))
    planted = folder / ("mlhc-request-" + "ab" * 16)
    for make in (lambda: planted.symlink_to(target), lambda: planted.write_text("student's")):
        make()
        with pytest.raises(OSError):
            _answers.write_request_file(str(folder), b"request", None)
        planted.unlink()
    assert target.read_text() == "precious"
    # a folder that is itself a link is refused too
    (tmp_path / "link").symlink_to(folder)
    with pytest.raises(OSError):
        _answers.write_request_file(str(tmp_path / "link"), b"request", None)
    path = _answers.write_request_file(str(folder), b"request", None)
    assert open(path, "rb").read() == b"request" and os.stat(path).st_mode & 0o777 == 0o644
    _answers.remove_request_file(path)
    _answers.remove_request_file(path)  # already gone: no error
    assert os.listdir(folder) == []


def test_replies_read_without_compiling_are_read_as_python_would():
    import ast

    from mlhc_course.grading._answers import parse_user_expression

    def parse(text):
        return parse_user_expression({"content": {"user_expressions": {"r": {"data": {"text/plain": text}}}}})

    for value in [
        '{"value": 1}',
        "",
        "it's",
        'a "quoted" \\ back\\slash',
        "line\nbreak",
        "nul\0",
        "x" * 100_000,
    ]:
        assert parse(repr(value)) == value
    for text in ["'a' 'b'", "'a\\'", "'a\nb'", "'a\0'", "'a'+'b'", "1", "b'x'", "'unclosed", "'"]:
        expected = None
        try:
            expected = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pass
        assert parse(text) == (expected if isinstance(expected, str) else None), text
    assert parse(5) is None and parse(None) is None  # not text at all
