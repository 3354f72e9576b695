"""Benchmark make_lesion_images (issue 15 target: 10,000 images of 64 x 64 in seconds, not minutes).

Run: ``python benchmarks/bench_images.py``. Prints images per second (best of three) and checks that
the same seed gives the same bytes; exits 1 if 10,000 images take 30 s or more, or if the bytes differ.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time

from mlhc_course.datasets import make_lesion_images

TARGET_SECONDS = 30.0


def _digest(ds) -> str:
    return hashlib.sha256(ds.images.tobytes() + ds.lesion_mask.tobytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    best, ds = float("inf"), None
    for _ in range(args.repeats):
        start = time.perf_counter()
        ds = make_lesion_images(args.images, size=args.size, shortcut=0.9, random_state=0)
        best = min(best, time.perf_counter() - start)
    megabytes = (ds.images.nbytes + ds.lesion_mask.nbytes) / 1024**2
    verdict = "OK" if best < TARGET_SECONDS else "FAIL"
    print(
        f"make_lesion_images({args.images:,}, size={args.size}): {best:.2f} s (best of {args.repeats}), "
        f"{args.images / best:,.0f} images/s, {megabytes:,.0f} MB of images and masks "
        f"(target < {TARGET_SECONDS:g} s): {verdict}"
    )
    again = make_lesion_images(args.images, size=args.size, shortcut=0.9, random_state=0)
    same = _digest(ds) == _digest(again)
    print(f"same seed, same bytes: sha256 {_digest(ds)[:16]}... {'OK' if same else 'FAIL'}")
    return 0 if best < TARGET_SECONDS and same else 1


if __name__ == "__main__":
    sys.exit(main())
