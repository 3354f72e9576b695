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
