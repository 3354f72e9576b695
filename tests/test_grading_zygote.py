"""Tests kernels forked from a warm zygote: each is fresh, separate, and never decides a grade.

The zygote (mlhc_course/grading/_zygote.py) is a speed-up only. These tests check that a forked tests
kernel is as fresh as one started from scratch (no state from the zygote's other children), that it
sees the allow-listed data files, that it dies with its zygote, and that grading falls back to fresh
kernels, with the same scores, when the zygote cannot start or dies mid-run.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from grading_fixtures import make_course, notebooks, require_bwrap, submit

pytestmark = pytest.mark.slow

ASSIGNMENT = "ps0_test_accuracy"
TIMEOUT = 30


def test_the_modules_of_the_instructors_cells_are_found():
    from mlhc_course.grading._zygote import program_modules

    sources = [
        "%matplotlib inline\nimport numpy as np, pandas\nfrom sklearn.metrics import roc_auc_score as r",
        "from . import local\nfrom os.path import *\nx = 1",
        "this is not python",
    ]
    assert program_modules(sources) == [
        "numpy",
        "pandas",
        "sklearn.metrics",
        "sklearn.metrics.roc_auc_score",
        "os.path",
    ]


async def _run(km, code: str) -> dict:
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        outputs: list[str] = []

        def hook(msg):
            if msg["msg_type"] == "stream":
                outputs.append(msg["content"]["text"])

        reply = await kc.execute_interactive(code, timeout=60, output_hook=hook)
        return {"status": reply["content"]["status"], "out": "".join(outputs)}
    finally:
        kc.stop_channels()


@pytest.fixture
def zygote(tmp_path):
    from mlhc_course.grading._sandbox import SandboxPolicy
    from mlhc_course.grading._zygote import TestsZygote

    require_bwrap()
    data = tmp_path / "cohort.csv"
    data.write_text("age,event\n50,1\n")
    policy = SandboxPolicy.hiding([tmp_path / "hidden"])
    z = TestsZygote(policy, {"cohort.csv": str(data)}, ["numpy"], kernels=4)
    yield z
    z.close()


PROBE = """
import os, sys, numpy
print("mark" in globals(), hasattr(numpy, "mlhc_mark"), sorted(os.listdir(".")))
print(open("cohort.csv").read().splitlines()[1], numpy.random.randint(0, 2**31))
mark = 1
numpy.mlhc_mark = 1
open("written.txt", "w").write("x")
"""


def test_forked_kernels_are_fresh_separate_and_see_the_data_files(zygote):
    from mlhc_course.grading._zygote import ZygoteKernelManager

    async def main():
        seen = []
        for _ in range(2):
            km = ZygoteKernelManager.create(zygote, kernel_name="python3")
            try:
                seen.append(await _run(km, PROBE))
            finally:
                await km.shutdown_kernel(now=True)
                km.cleanup_dirs()
            assert not await km.is_alive()
        return seen

    first, second = asyncio.run(main())
    assert first["status"] == second["status"] == "ok"
    for result in (first, second):
        lines = result["out"].splitlines()
        # nothing the other kernel did (a variable, a module attribute, a file) is visible
        assert lines[0] == "False False ['cohort.csv']", result
        assert lines[1].split()[0] == "50,1"
    # each kernel's NumPy global random state is its own, as in a new interpreter
    assert first["out"].splitlines()[1] != second["out"].splitlines()[1]


def test_a_forked_kernel_dies_with_its_zygote_and_close_cleans_up(zygote):
    from mlhc_course.grading._zygote import ZygoteKernelManager

    async def main():
        km = ZygoteKernelManager.create(zygote, kernel_name="python3")
        result = await _run(km, "x = 1")
        assert result["status"] == "ok" and await km.is_alive()
        zygote.close()
        assert not await km.is_alive()
        km.cleanup_dirs()

    asyncio.run(main())
    assert zygote.proc.poll() is not None
    assert not os.path.exists(zygote.root)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_bwrap()
    course = make_course(tmp_path_factory.mktemp("zygote") / "course", [ASSIGNMENT])
    for kind in ("correct", "blank"):
        submit(course, ASSIGNMENT, kind, notebooks(course, ASSIGNMENT, kind))
    return course


def _grade(course):
    from mlhc_course.grading import autograde

    run = autograde(course, ASSIGNMENT, students=["correct", "blank"], jobs=1, timeout=TIMEOUT)
    return {s: run.result(s) for s in ("correct", "blank")}


def test_grading_forks_the_tests_kernels(course, monkeypatch):
    from mlhc_course.grading import _execute

    made = []
    create = _execute.ZygoteKernelManager.create.__func__

    def counting_create(cls, zygote, **kwargs):
        made.append(zygote)
        return create(cls, zygote, **kwargs)

    monkeypatch.setattr(_execute.ZygoteKernelManager, "create", classmethod(counting_create))
    results = _grade(course)
    assert len(made) == 2 and made[0] is made[1]  # one zygote, one forked tests kernel per submission
    assert results["correct"].score == results["correct"].max_score > 0
    assert results["blank"].status == "graded" and results["blank"].score == 0


def test_grading_falls_back_to_fresh_kernels_when_the_zygote_cannot_start(course, monkeypatch):
    from mlhc_course.grading import _execute, _zygote

    def broken(self, *args, **kwargs):
        raise _zygote.ZygoteError("the tests-kernel zygote did not answer")

    monkeypatch.setattr(_zygote.TestsZygote, "__init__", broken)
    forked = []
    monkeypatch.setattr(_execute.ZygoteKernelManager, "create", lambda *a, **k: forked.append(1))
    results = _grade(course)
    assert not forked  # control: no kernel was forked
    assert results["correct"].score == results["correct"].max_score > 0
    assert results["blank"].status == "graded" and results["blank"].score == 0


def test_grading_falls_back_to_fresh_kernels_when_the_zygote_dies(course, monkeypatch):
    from mlhc_course.grading import _zygote

    spawn = _zygote.TestsZygote.spawn
    killed = []

    def dying_spawn(self, connection_file):
        if not killed:  # the zygote dies just before its first fork (e.g. the OOM killer)
            self.proc.kill()
            self.proc.wait()
            killed.append(True)
        return spawn(self, connection_file)

    monkeypatch.setattr(_zygote.TestsZygote, "spawn", dying_spawn)
    results = _grade(course)
    assert killed
    assert results["correct"].status == "graded"
    assert results["correct"].score == results["correct"].max_score > 0
    notes = [n for r in results.values() for n in r.notes]
    assert any("tests kernel start attempt 1 failed" in n for n in notes), notes
    assert results["blank"].status == "graded" and results["blank"].score == 0


SETUP = [
    "import random, pickle\nimport numpy as np\nrandom.seed(7)\nnp.random.seed(7)\nlimit = 3",
    "class Case:\n    pass\n\ndef check(x):\n    return x == answer  # 'answer' is bound later, as a test binds a student's answer",
]
AFTER_SETUP = """
answer = 5
print(check(5), limit, random.random(), np.random.randint(0, 10**6), Case.__module__)
print(len(pickle.dumps(Case())) > 0)
"""


def _zygote_with(tmp_path, setup):
    from mlhc_course.grading._sandbox import SandboxPolicy
    from mlhc_course.grading._zygote import TestsZygote

    require_bwrap()
    return TestsZygote(SandboxPolicy.hiding([tmp_path / "hidden"]), {}, ["numpy"], kernels=2, setup=setup)


def _run_in_child(zygote, code: str) -> dict:
    from mlhc_course.grading._zygote import ZygoteKernelManager

    async def main():
        km = ZygoteKernelManager.create(zygote, kernel_name="python3")
        try:
            return await _run(km, code)
        finally:
            await km.shutdown_kernel(now=True)
            km.cleanup_dirs()

    return asyncio.run(main())


def test_the_set_up_cells_run_once_and_each_child_starts_as_if_it_had_run_them(tmp_path):
    import random

    import numpy as np

    zygote = _zygote_with(tmp_path, SETUP)
    try:
        assert zygote.setup_done and zygote.setup_error is None
        results = [_run_in_child(zygote, AFTER_SETUP) for _ in range(2)]
    finally:
        zygote.close()
    random.seed(7)
    np.random.seed(7)  # noqa: NPY002 -- the legacy global state is what a set-up cell seeds
    expected = f"True 3 {random.random()} {np.random.randint(0, 10**6)} __main__\nTrue\n"  # noqa: NPY002
    # the set-up's random states survive the fork; its functions see the kernel's globals
    assert [r["out"] for r in results] == [expected, expected], results


@pytest.mark.parametrize(
    "setup, why",
    [
        (["x = 1", "raise ValueError('a broken set-up cell')"], "ValueError: a broken set-up cell"),
        # a file the children would share
        (
            ["open('made-by-setup.txt', 'w').write('x')"],
            "RuntimeError: a set-up cell wrote to the working folder",
        ),
    ],
)
def test_a_set_up_that_fails_or_writes_files_is_left_to_each_kernel(tmp_path, setup, why):
    zygote = _zygote_with(tmp_path, setup)
    try:
        assert not zygote.setup_done and zygote.setup_error == why
        result = _run_in_child(zygote, "print('x' in globals(), sorted(__import__('os').listdir('.')))")
    finally:
        zygote.close()
    assert result["out"] == "False []\n"  # a clean kernel: nothing of the set-up is there


def _cell(source, kind):
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade_id": f"c{abs(hash(source))}",
        "grade": kind == "test",
        "solution": kind == "answer",
        "locked": kind != "answer",
        "schema_version": 3,
        **({"points": 1} if kind == "test" else {}),
    }
    return cell


def _notebook(cells):
    import nbformat

    return nbformat.v4.new_notebook(
        cells=[_cell(source, kind) for source, kind in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def test_the_plan_moves_only_locked_cells_that_no_name_ties_to_what_they_overtake():
    from mlhc_course.grading._execute import set_up_plan

    nb = _notebook(
        [
            ("import math\nseed = 1\ndef helper():\n    return threshold", "locked"),  # 0
            ("assert f(seed)", "test"),  # 1: reads the answer f
            ("data = [seed] * 3", "locked"),  # 2: moves
            ("model = f(data)", "locked"),  # 3: reads an answer: stays
            ("for i in range(3):\n    pass\nresult = 1", "test"),  # 4: writes i and result
            ("total = sum(range(i))", "locked"),  # 5: reads i, which the test writes: stays
            ("result = 2", "locked"),  # 6: writes result, which the test writes: stays
            ("check = lambda: model", "locked"),  # 7: reads model (cell 3 stays): stays
            ("def g(x):\n    y = x\n    return y", "locked"),  # 8: only locals: moves
            ("assert g(1) == 1 and student_value", "test"),  # 9: takes student_value from the student
            ("threshold = 0.5", "locked"),  # 10: the planned helper reads it: stays
            ("%matplotlib inline\nlate = 1", "locked"),  # 11: not plain Python: the plan stops
            ("later = 2", "locked"),  # 12
        ]
    )
    plan = set_up_plan(nb, 1, ["f"])
    assert [index for index, _ in plan] == [0, 2, 8]
    # what a moved cell reads that an overtaken test reads too: the zygote checks it is immutable
    assert plan[1] == (2, ["seed"])


@pytest.mark.parametrize(
    "first_test, zygote_ran",
    [
        ("assert f(1) == 2", 2),  # the zygote runs `calls.append` too
        ("assert f(1) == 2 and calls == []", 1),  # the test reads the list it mutates: left in place
    ],
)
def test_a_planned_cell_runs_once_and_an_answer_bound_cell_in_its_place(tmp_path, first_test, zygote_ran):
    from traitlets.config import Config

    from mlhc_course.grading._execute import ParallelRunner, spec_from_source
    from mlhc_course.grading._sandbox import SandboxPolicy

    require_bwrap()
    nb = _notebook(
        [
            ("calls = []", "locked"),
            ("def f(x):\n    return 2 * x", "answer"),
            (first_test, "test"),
            ("calls.append('late')", "locked"),
            ("doubled = f(21)", "locked"),
            ("assert calls == ['late'], calls\nassert doubled == 42", "test"),
        ]
    )
    runner = ParallelRunner(1, SandboxPolicy.hiding([tmp_path]), Config(), {"timeout": 60})
    try:
        zygotes = runner._zygotes
        out, _ = runner.submit(nb, spec_from_source(nb)).result(timeout=300)
        made = [f.result() for f in zygotes.values()]
        assert len(made) == 1 and made[0].setup_done and made[0].setup_ran == zygote_ran
    finally:
        runner.close()
    for cell in (out.cells[2], out.cells[5]):
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], cell.outputs
