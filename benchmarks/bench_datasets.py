"""Benchmark the synthetic data generators (issue 3 targets).

Run: ``python benchmarks/bench_datasets.py`` (about a minute). Prints rows per second for each
generator and checks the targets, exiting 1 if one is missed:

- ``make_primary_care_cohort(1_000_000)`` takes at most 5x the time numpy takes to draw a
  1,000,000 x 30 standard-normal matrix, in the same run (best of three each);
- ``make_ward_vitals(100_000, hours=48)`` stays under 2 GB of peak traced memory (tracemalloc, which
  sees numpy's and pandas' buffers);
- the same seed gives the same CSV bytes (the SHA256 printed can be compared across machines).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import time
import tracemalloc

import numpy as np

from mlhc_course.datasets import make_clinical_notes, make_primary_care_cohort, make_ward_vitals
from mlhc_course.datasets._base import to_csv_bytes
from mlhc_course.datasets._primary_care import COLUMNS as PRIMARY_CARE_COLUMNS

RATIO_TARGET = 5.0
MEMORY_TARGET_BYTES = 2 * 1024**3


def best_of(repeats: int, func) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--admissions", type=int, default=100_000)
    parser.add_argument("--notes", type=int, default=100_000)
    args = parser.parse_args(argv)
    ok = True

    tracemalloc.start()
    start = time.perf_counter()
    ward = make_ward_vitals(args.admissions, hours=48, random_state=0)
    t_ward = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verdict = "OK" if peak < MEMORY_TARGET_BYTES else "FAIL"
    print(
        f"make_ward_vitals({args.admissions:,}, hours=48): {t_ward:.3f} s (traced), "
        f"{len(ward.frame):,} rows, {len(ward.frame) / t_ward:,.0f} rows/s"
    )
    print(f"  peak traced memory {peak / 1024**3:.2f} GB (target < 2 GB): {verdict}")
    ok &= peak < MEMORY_TARGET_BYTES
    del ward
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    print(f"  process peak RSS so far (ward vitals run first): {rss:.2f} GB")

    rng = np.random.default_rng(0)
    t_numpy, _ = best_of(3, lambda: rng.standard_normal((1_000_000, 30)))
    t_cohort, cohort = best_of(3, lambda: make_primary_care_cohort(args.patients, random_state=0))
    ratio = t_cohort / t_numpy
    print(f"numpy standard_normal(1,000,000 x 30): {t_numpy:.3f} s")
    print(
        f"make_primary_care_cohort({args.patients:,}): {t_cohort:.3f} s, "
        f"{len(cohort.frame) / t_cohort:,.0f} rows/s"
    )
    verdict = "OK" if ratio <= RATIO_TARGET else "FAIL"
    print(f"ratio cohort / numpy = {ratio:.2f} (target <= {RATIO_TARGET:g}): {verdict}")
    ok &= ratio <= RATIO_TARGET
    del cohort

    t_pitfalls, messy = best_of(
        1,
        lambda: make_primary_care_cohort(
            args.patients, repeat_visits=True, leaky_features=True, missingness="informative",
            site_shift=1.0, temporal_drift=True, label_bias=0.3, random_state=0,
        ),
    )  # fmt: skip
    print(
        f"make_primary_care_cohort, every pitfall on: {t_pitfalls:.3f} s, "
        f"{len(messy.frame) / t_pitfalls:,.0f} rows/s"
    )
    del messy

    t_notes, notes = best_of(1, lambda: make_clinical_notes(args.notes, random_state=0))
    print(f"make_clinical_notes({args.notes:,}): {t_notes:.3f} s, {len(notes.frame) / t_notes:,.0f} rows/s")

    frame = make_primary_care_cohort(10_000, random_state=2024).frame
    again = make_primary_care_cohort(10_000, random_state=2024).frame
    columns = tuple(c for c in PRIMARY_CARE_COLUMNS if c.name in frame)
    digest, digest_again = (hashlib.sha256(to_csv_bytes(f, columns)).hexdigest() for f in (frame, again))
    verdict = "OK" if digest == digest_again else "FAIL"
    print(f"same seed, same bytes: sha256 {digest[:16]}... {verdict}")
    ok &= digest == digest_again

    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
