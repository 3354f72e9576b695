"""Benchmark: ``mlhc assign grade --jobs 2`` against plain sequential ``nbgrader autograde``.

Makes 40 synthetic submissions of a problem set (a mix of correct, partial and blank ones, derived
from the source notebook), releases the assignment in one temporary course, copies that course, and
grades one copy with ``nbgrader autograde`` and the other with ``mlhc assign grade --jobs 2``. It
prints both wall times and their ratio, checks that every score (each grade cell of each student)
is identical, and fails if the ratio is below the target.

    .venv/bin/python benchmarks/bench_grading.py                  # PS1, 40 submissions, target 1.6
    .venv/bin/python benchmarks/bench_grading.py --assignment ps0_test_accuracy -n 20
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def _scores(course) -> dict[tuple[str, str], float]:
    out = {}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ps1_diagnostic_metrics")
    parser.add_argument("-n", "--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--min-ratio", type=float, default=1.6)
    args = parser.parse_args(argv)

    from mlhc_course.grading import make_submission, open_course, release_assignment

    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(sys.executable)) + os.pathsep + env.get("PATH", "")
    os.environ["PATH"] = env["PATH"]
    work = Path(tempfile.mkdtemp(prefix="mlhc-bench-"))
    try:
        base = work / "nbgrader"
        shutil.copytree(
            REPO / "notebooks" / "assignments" / args.assignment, base / "source" / args.assignment
        )
        course = open_course(base)
        release = release_assignment(course, args.assignment)
        nb_ids = course.notebook_ids(args.assignment)
        kinds = []
        for i in range(args.submissions):
            kind = ("correct", "partial", "blank")[i % 3]
            student = f"student{i:02d}"
            folder = base / "submitted" / student / args.assignment
            folder.mkdir(parents=True)
            for nb_id in nb_ids:
                source_nb = nbformat.read(
                    course.path("source", args.assignment) / f"{nb_id}.ipynb", as_version=4
                )
                release_nb = nbformat.read(release / f"{nb_id}.ipynb", as_version=4)
                answers = [c for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
                fill = None
                if kind == "partial" and answers:
                    fill = [answers[(i // 3) % len(answers)].metadata["nbgrader"]["grade_id"]]
                nbformat.write(
                    make_submission(source_nb, release_nb, kind, fill=fill), folder / f"{nb_id}.ipynb"
                )
            kinds.append(kind)
        ours = work / "mlhc"
        shutil.copytree(base, ours)
        # the copied gradebook is a SQLite file; nbgrader's default db_url follows the root
        print(
            f"{args.submissions} submissions of {args.assignment} "
            f"({kinds.count('correct')} correct, {kinds.count('partial')} partial, {kinds.count('blank')} blank); "
            f"{os.cpu_count()} CPUs",
            flush=True,
        )

        t0 = time.perf_counter()
        subprocess.run(
            [
                os.path.join(os.path.dirname(os.path.abspath(sys.executable)), "nbgrader"),
                "autograde",
                args.assignment,
                "--force",
                "--log-level=ERROR",
            ],
            cwd=base,
            env=env,
            check=True,
        )
        sequential = time.perf_counter() - t0
        print(f"nbgrader autograde (sequential): {sequential:7.1f} s", flush=True)

        t0 = time.perf_counter()
        subprocess.run(
            [
                os.path.join(os.path.dirname(os.path.abspath(sys.executable)), "mlhc"),
                "assign",
                "grade",
                args.assignment,
                "--course-dir",
                str(ours),
                "--jobs",
                str(args.jobs),
                "--quiet",
            ],
            env=env,
            check=True,
        )
        parallel = time.perf_counter() - t0
        ratio = sequential / parallel
        print(f"mlhc assign grade --jobs {args.jobs}:    {parallel:7.1f} s", flush=True)
        print(f"ratio (throughput gain): {ratio:.2f}x (target {args.min_ratio:.2f}x)", flush=True)

        expected, got = _scores(open_course(base)), _scores(open_course(ours))
        differ = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
        if differ:
            for key in differ[:20]:
                print(f"  score differs for {key}: nbgrader {expected.get(key)} vs mlhc {got.get(key)}")
            print(f"FAIL: {len(differ)} scores differ")
            return 1
        print(f"all {len(expected)} grade-cell scores identical")
        if ratio < args.min_ratio:
            print(f"FAIL: ratio {ratio:.2f} is below the target {args.min_ratio:.2f}")
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
