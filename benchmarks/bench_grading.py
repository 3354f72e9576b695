"""Benchmark: ``mlhc assign grade --jobs 2`` against plain sequential ``nbgrader autograde``.

Makes 40 synthetic submissions of a problem set (a mix of correct, partial and blank ones, derived
from the source notebook), releases the assignment in one temporary course, copies that course, and
grades one copy with ``nbgrader autograde`` and the other with ``mlhc assign grade --jobs 2``. It
prints both wall times and their ratio, checks that every score (each grade cell of each student)
is identical, and fails if the ratio is below the target on any problem set.

It also prints the CPU time of each arm (every process it started, kernels included): on a shared
machine the wall times are noisy, while the CPU ratio ``jobs * cpu(nbgrader) / cpu(mlhc)`` is the
throughput ``--jobs`` could reach on as many idle cores. CPU time is read from a cpuacct cgroup of
each arm where one can be made (root on cgroup v1), else from ``getrusage(RUSAGE_CHILDREN)``, which
misses kernels that were killed rather than waited for.

    .venv/bin/python benchmarks/bench_grading.py                  # PS1, 40 submissions, target 1.6
    .venv/bin/python benchmarks/bench_grading.py --assignment ps0_test_accuracy -n 20
    .venv/bin/python benchmarks/bench_grading.py --assignment all -n 16   # every problem set, a table
    .venv/bin/python benchmarks/bench_grading.py --assignment ps2_cvd_risk_model,ps4_fairness_shift_audit
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = REPO / "notebooks" / "assignments"
_CPUACCT = "/sys/fs/cgroup/cpuacct"


def _scores(course) -> dict[tuple[str, str], tuple]:
    out = {}
    # nbgrader's own reads of its gradebook make SQLAlchemy warn ("... not in session"): not ours
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    with course.gradebook() as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        out[(submission.student.id, grade.name)] = (
                            grade.auto_score,
                            grade.needs_manual_grade,
                        )
    return out


def all_assignments() -> list[str]:
    """Every problem set in the repository, in order."""
    return sorted(p.name for p in ASSIGNMENTS.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))


def build_course(work: Path, assignment: str, n: int) -> tuple[Path, list[str]]:
    """A released course under ``work`` with ``n`` synthetic submissions; its root and their kinds."""
    from mlhc_course.grading import make_submission, open_course, release_assignment

    base = work / "nbgrader"
    shutil.copytree(ASSIGNMENTS / assignment, base / "source" / assignment)
    course = open_course(base)
    release = release_assignment(course, assignment)
    nb_ids = course.notebook_ids(assignment)
    kinds = []
    for i in range(n):
        kind = ("correct", "partial", "blank")[i % 3]
        folder = base / "submitted" / f"student{i:02d}" / assignment
        folder.mkdir(parents=True)
        for nb_id in nb_ids:
            source_nb = nbformat.read(course.path("source", assignment) / f"{nb_id}.ipynb", as_version=4)
            release_nb = nbformat.read(release / f"{nb_id}.ipynb", as_version=4)
            answers = [c for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
            fill = None
            if kind == "partial" and answers:
                fill = [answers[(i // 3) % len(answers)].metadata["nbgrader"]["grade_id"]]
            nbformat.write(make_submission(source_nb, release_nb, kind, fill=fill), folder / f"{nb_id}.ipynb")
        kinds.append(kind)
    return base, kinds


class _CpuMeter:
    """CPU seconds of one command and everything it starts: a cpuacct cgroup, else rusage."""

    def __init__(self):
        self.group = None
        if os.path.isdir(_CPUACCT) and os.access(_CPUACCT, os.W_OK):
            path = os.path.join(_CPUACCT, "mlhc-bench-" + secrets.token_hex(4))
            try:
                os.mkdir(path)
                self.group = path
            except OSError:
                pass

    def run(self, cmd: list[str], **kwargs) -> tuple[float, float]:
        """Run ``cmd``; its wall and CPU seconds."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        if self.group is not None:
            procs = os.path.join(self.group, "cgroup.procs")
            cmd = ["/bin/sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "bench", *cmd]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, **kwargs)
        wall = time.perf_counter() - t0
        if self.group is not None:
            with open(os.path.join(self.group, "cpuacct.usage")) as f:
                return wall, int(f.read()) / 1e9
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    def close(self) -> None:
        if self.group is None:
            return
        for _ in range(100):  # killed kernels leave the group asynchronously
            try:
                os.rmdir(self.group)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)

    @property
    def source(self) -> str:
        return "cpuacct cgroup" if self.group is not None else "getrusage(RUSAGE_CHILDREN)"


@dataclass
class Measurement:
    assignment: str
    sequential: float
    parallel: float
    cpu_sequential: float
    cpu_parallel: float
    jobs: int
    differ: int
    cells: int

    @property
    def ratio(self) -> float:
        return self.sequential / self.parallel

    @property
    def cpu_ratio(self) -> float:
        return self.jobs * self.cpu_sequential / self.cpu_parallel


def _arm(cmd: list[str], **kwargs) -> tuple[float, float, str]:
    meter = _CpuMeter()
    try:
        wall, cpu = meter.run(cmd, **kwargs)
    finally:
        meter.close()
    return wall, cpu, meter.source


def bench_one(assignment: str, n: int, jobs: int, repeat: int = 1) -> Measurement:
    """Grade ``n`` submissions of ``assignment`` both ways, ``repeat`` times; medians of the times."""
    from mlhc_course.grading import open_course

    env = dict(os.environ)
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    os.environ["PATH"] = env["PATH"]
    work = Path(tempfile.mkdtemp(prefix="mlhc-bench-"))
    try:
        pristine, kinds = build_course(work, assignment, n)
        print(
            f"{n} submissions of {assignment} ({kinds.count('correct')} correct, "
            f"{kinds.count('partial')} partial, {kinds.count('blank')} blank); {os.cpu_count()} CPUs",
            flush=True,
        )
        seq, par, cpu_seq, cpu_par = [], [], [], []
        differ = cells = 0
        for k in range(repeat):
            # fresh copies each time: the copied gradebook is a SQLite file, and nbgrader's default
            # db_url follows the course root
            base, ours = work / f"nbgrader-{k}", work / f"mlhc-{k}"
            shutil.copytree(pristine, base)
            shutil.copytree(pristine, ours)
            nbgrader = [
                os.path.join(bindir, "nbgrader"),
                "autograde",
                assignment,
                "--force",
                "--log-level=ERROR",
            ]
            mlhc = [os.path.join(bindir, "mlhc"), "assign", "grade", assignment, "--course-dir", str(ours)]
            mlhc += ["--jobs", str(jobs), "--quiet"]
            arms = [("nbgrader", nbgrader, {"cwd": base}), ("mlhc", mlhc, {})]
            if k % 2:  # alternate which arm goes first, so that a change of load hits both
                arms.reverse()
            for name, cmd, kwargs in arms:
                wall, cpu, source = _arm(cmd, env=env, **kwargs)
                (seq if name == "nbgrader" else par).append(wall)
                (cpu_seq if name == "nbgrader" else cpu_par).append(cpu)
                label = (
                    "nbgrader autograde (sequential)"
                    if name == "nbgrader"
                    else f"mlhc assign grade --jobs {jobs}"
                )
                print(f"  {label:32s} {wall:7.1f} s wall, {cpu:7.1f} s CPU ({source})", flush=True)
            expected, got = _scores(open_course(base)), _scores(open_course(ours))
            wrong = sorted(key for key in expected.keys() | got.keys() if expected.get(key) != got.get(key))
            for key in wrong[:20]:
                print(f"  score differs for {key}: nbgrader {expected.get(key)} vs mlhc {got.get(key)}")
            differ = max(differ, len(wrong))
            cells = len(expected)
            shutil.rmtree(base, ignore_errors=True)
            shutil.rmtree(ours, ignore_errors=True)
        m = Measurement(
            assignment,
            statistics.median(seq),
            statistics.median(par),
            statistics.median(cpu_seq),
            statistics.median(cpu_par),
            jobs,
            differ,
            cells,
        )
        print(
            f"  ratio {m.ratio:.2f}x wall, {m.cpu_ratio:.2f}x CPU ({jobs} x CPU(nbgrader) / CPU(mlhc)); "
            + (f"{differ} scores DIFFER" if differ else f"all {cells} grade-cell scores identical"),
            flush=True,
        )
        return m
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--assignment",
        default="ps1_diagnostic_metrics",
        help="a problem set, several separated by commas, or 'all'",
    )
    parser.add_argument("-n", "--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs of both arms; medians are reported")
    parser.add_argument("--min-ratio", type=float, default=1.6)
    args = parser.parse_args(argv)

    known = all_assignments()
    wanted = (
        known if args.assignment == "all" else [a.strip() for a in args.assignment.split(",") if a.strip()]
    )
    unknown = [a for a in wanted if a not in known]
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; choose from {known} or 'all'")
    results = [bench_one(a, args.submissions, args.jobs, args.repeat) for a in wanted]

    print(f"\n{'assignment':34s} {'nbgrader s':>10s} {'mlhc s':>8s} {'wall x':>7s} {'CPU x':>6s}  scores")
    failed = False
    for m in results:
        ok = m.ratio >= args.min_ratio and not m.differ
        failed |= not ok
        print(
            f"{m.assignment:34s} {m.sequential:10.1f} {m.parallel:8.1f} {m.ratio:7.2f} {m.cpu_ratio:6.2f}  "
            f"{'DIFFER' if m.differ else 'same'}{'' if ok else '  FAIL'}"
        )
    print(f"target: {args.min_ratio:.2f}x wall time with --jobs {args.jobs} (load: {os.getloadavg()[0]:.1f})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
