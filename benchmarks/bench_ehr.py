"""Benchmark ``make_ehr``: generation speed, SQLite load time and the size of the record.

Run: ``python benchmarks/bench_ehr.py`` (a few seconds; ``--sizes 2000 20000 100000`` for more).
Prints, for each number of patients, the time to generate the record (best of three), the rows per
second over all tables, the time to load it into an in-memory SQLite database, and the SHA256 of the
measurement table's CSV bytes (the same seed must give the same bytes on every machine).
"""

from __future__ import annotations

import argparse
import hashlib
import time

from mlhc_course.datasets import make_ehr
from mlhc_course.datasets._base import to_csv_bytes
from mlhc_course.datasets._ehr import EHR_TABLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{'patients':>9} {'rows':>10} {'generate s':>11} {'rows/s':>10} {'sqlite s':>9}  measurement sha256"
    )
    for n in args.sizes:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            ehr = make_ehr(n, random_state=args.seed)
            times.append(time.perf_counter() - start)
        rows = sum(len(t) for t in ehr.tables.values())
        start = time.perf_counter()
        con = ehr.connect()
        load = time.perf_counter() - start
        con.close()
        digest = hashlib.sha256(
            to_csv_bytes(ehr.tables["measurement"], EHR_TABLES["measurement"])
        ).hexdigest()
        best = min(times)
        print(f"{n:>9} {rows:>10} {best:>11.2f} {rows / best:>10.0f} {load:>9.2f}  {digest[:16]}")


if __name__ == "__main__":
    main()
