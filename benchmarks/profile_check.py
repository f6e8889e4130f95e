"""Profile ``check_design`` in-process on a synthetic design, for when a target is missed.

``python benchmarks/profile_check.py N [--top 25] [--sort cumulative|tottime] [--build]``

Generates a design with N endpoints (``synth.py``) in a temporary folder, runs the check once
to warm imports and caches, then once under cProfile, and prints the top functions. With
``--build`` the profiled run also generates the outputs, as ``designgate build`` does.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from designgate import check_design  # noqa: E402
from synth import generate  # noqa: E402


def run(design: Path, out: Path | None) -> int:
    report = check_design(design)
    if out is not None:
        from designgate.generate import write_outputs

        write_outputs(report.design, out, force=True)
    return len(report.findings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, metavar="N", help="number of endpoints")
    parser.add_argument("--top", type=int, default=25, help="how many functions to print")
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--build", action="store_true", help="also write the outputs")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    with tempfile.TemporaryDirectory(prefix="designgate-profile-") as tmp:
        design = generate(args.n, Path(tmp))
        out = Path(tmp) / "out" if args.build else None
        # A first run pays for imports and compiled validators, which a real run pays too,
        # but which would drown the per-design costs in the profile.
        start = time.perf_counter()
        findings = run(design, out)
        first = time.perf_counter() - start
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        run(design, out)
        profiler.disable()
        second = time.perf_counter() - start
    print(f"N={args.n}: {findings} finding(s); first run {first:.2f}s, "
          f"profiled run {second:.2f}s (with profiler overhead)\n")
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
