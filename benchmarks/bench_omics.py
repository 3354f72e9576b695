"""Benchmark ``make_gene_expression`` (issue 14 target: 1,000 samples x 20,000 genes in seconds).

Run: ``python benchmarks/bench_omics.py``. Prints the time, the values generated per second and the
peak traced memory, compares with numpy drawing the same number of standard normals, and checks
that the same seed gives the same bytes. Exits 1 if the target (under 10 s) is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import tracemalloc

import numpy as np

from mlhc_course.datasets import make_gene_expression

TARGET_S = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--genes", type=int, default=20_000)
    args = parser.parse_args(argv)
    n, p = args.samples, args.genes
    options = {"n_informative": 20, "modules": 50, "batch_effect": 0.5, "batch_confounding": 0.5}

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    rng.standard_normal((n, p), dtype=np.float32)
    t_numpy = time.perf_counter() - start

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        ds = make_gene_expression(n, p, random_state=0, **options)
        best = min(best, time.perf_counter() - start)
    print(f"numpy standard_normal({n:,} x {p:,}, float32): {t_numpy:.3f} s")
    print(
        f"make_gene_expression({n:,}, {p:,}): {best:.3f} s (best of 3), "
        f"{n * p / best / 1e6:,.1f} million values/s, {best / t_numpy:.1f} x numpy"
    )
    del ds

    tracemalloc.start()
    ds = make_gene_expression(n, p, random_state=0, **options)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  peak traced memory {peak / 1024**2:,.0f} MB (the float32 matrix is {n * p * 4 / 1024**2:,.0f} MB)"
    )

    again = make_gene_expression(n, p, random_state=0, **options)
    digest, digest_again = (
        hashlib.sha256(np.ascontiguousarray(d.data.to_numpy()).tobytes()).hexdigest() for d in (ds, again)
    )
    same = digest == digest_again
    print(f"same seed, same bytes: sha256 {digest[:16]}... {'OK' if same else 'FAIL'}")
    ok = best < TARGET_S and same
    print(f"target < {TARGET_S:g} s: {'OK' if best < TARGET_S else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
