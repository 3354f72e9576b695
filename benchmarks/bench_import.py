"""Benchmark the import time of the library modules a graded notebook imports (issue 10).

Run: ``python benchmarks/bench_import.py`` (about a minute). Each import runs in a fresh
interpreter (best CPU time of ``--repeats``), so the numbers are what a notebook kernel pays. It prints the
time of ``import mlhc_course.<module>`` next to the eager imports the module used to make
(numpy, pandas, scipy.stats and sklearn.utils for metrics), and exits 1 if ``mlhc_course.metrics``
costs more than half of that eager set (the target of issue 10).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys

#: What `import mlhc_course.metrics` imported before scipy and scikit-learn were made lazy.
EAGER_BEFORE = "import numpy, pandas, scipy.stats, sklearn.utils"
STATEMENTS = {
    "numpy + pandas (the floor)": "import numpy, pandas",
    "old eager set of metrics": EAGER_BEFORE,
    "mlhc_course.metrics": "import mlhc_course.metrics",
    "mlhc_course.plots": "import mlhc_course.plots",
    "mlhc_course.splits": "import mlhc_course.splits",
    "mlhc_course.audit": "import mlhc_course.audit",
    "mlhc_course.datasets": "import mlhc_course.datasets",
    "mlhc_course.exercises": "import mlhc_course.exercises",
}
TARGET_RATIO = 0.5


def import_seconds(statement: str, repeats: int) -> float:
    """Best CPU time (user + system) of ``python -c statement``.

    CPU time, not wall time: on a shared machine the wall time mostly measures the neighbours.
    """
    best = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", statement], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, cpu)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh interpreters per import (best of)")
    args = parser.parse_args(argv)
    baseline = import_seconds("pass", args.repeats)
    times = {label: import_seconds(stmt, args.repeats) - baseline for label, stmt in STATEMENTS.items()}
    print(f"interpreter start-up: {baseline:.3f} s CPU (subtracted below)")
    for label, seconds in times.items():
        print(f"{label:<30} {seconds:6.3f} s")
    ratio = times["mlhc_course.metrics"] / times["old eager set of metrics"]
    verdict = "OK" if ratio <= TARGET_RATIO else "MISSED"
    print(f"import mlhc_course.metrics / old eager set = {ratio:.2f} (target <= {TARGET_RATIO}): {verdict}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
