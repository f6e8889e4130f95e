"""Benchmark ``designgate check`` and ``designgate build`` against ``redocly lint``.

For each size N (default 250, 500, 1000, 2000) a synthetic check-clean design with N
endpoints is generated (``synth.py``), then each measured command runs as a whole process
through ``_measure.py`` (wall time and its own peak RSS), ``--repeat`` times; the median is
reported. Prints one table and whether the quality targets hold:

* ``check`` of 1,000 endpoints takes no longer than ``redocly lint`` of its OpenAPI document;
* doubling N at most multiplies the time by 2.2 (linear growth);
* peak memory stays under 400 MB at N = 2,000.

Run: ``python benchmarks/run.py [--sizes 250,1000] [--repeat 3] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

MEASURE = HERE / "_measure.py"
DEFAULT_SIZES = (250, 500, 1000, 2000)
GROWTH_LIMIT = 2.2
MEMORY_LIMIT_MB = 400.0
MEMORY_AT = 2000
REDOCLY_AT = 1000


@dataclass(slots=True)
class Runs:
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)

    @property
    def time(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return statistics.median(self.rss_mb)


@dataclass(slots=True)
class Row:
    n: int
    check: Runs
    build: Runs
    redocly: Runs | None
    findings: int | None


def designgate_command() -> list[str]:
    """The console script installed beside this interpreter, else ``python -m designgate``."""
    script = Path(sys.executable).parent / ("designgate.exe" if os.name == "nt" else "designgate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "designgate"]


def measure(cmd: list[str], runs: Runs, stdout: Path, env: dict[str, str] | None = None) -> None:
    """Run ``cmd`` once through the wrapper; its output goes to ``stdout`` and ``.err``."""
    stderr = stdout.with_suffix(".err")
    wrapper = [sys.executable, str(MEASURE), "--stdout", str(stdout), "--stderr", str(stderr),
               "--", *cmd]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout)
    runs.seconds.append(result["seconds"])
    runs.rss_mb.append(result["max_rss_bytes"] / 2**20)
    runs.codes.append(result["returncode"])
    if result["returncode"] not in (0, 1):
        detail = stderr.read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        raise SystemExit(f"command failed ({result['returncode']}): {' '.join(cmd)}\n{detail}")


def python_env(work: Path) -> dict[str, str]:
    """The environment designgate runs in: as installed, its modules' bytecode is cached.

    ``pip install`` compiles every module; an editable install (or a shell with
    ``PYTHONDONTWRITEBYTECODE``) would make each measured run compile designgate's source
    again, which no installed copy does. The bytecode goes under the work folder, never
    beside the sources.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def bench(n: int, work: Path, repeat: int, redocly: str | None) -> Row:
    root = work / f"n{n}"
    design = generate(n, root)
    dg = designgate_command()
    env = python_env(work)
    check, build = Runs(), Runs()
    report = root / "check.json"
    # One unrecorded run first, so that no measurement pays for a cold file cache (nor for
    # compiling designgate's modules).
    measure([*dg, "check", str(design), "--format", "json"], Runs(), stdout=report, env=env)
    measure([*dg, "build", str(design), "--out", str(root / "warm-up")], Runs(),
            stdout=root / "build.out", env=env)
    for k in range(repeat):
        measure([*dg, "check", str(design), "--format", "json"], check, stdout=report, env=env)
        out = root / f"out{k}"
        shutil.rmtree(out, ignore_errors=True)
        measure([*dg, "build", str(design), "--out", str(out)], build,
                stdout=root / "build.out", env=env)
    findings = None
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        findings = len(json.loads(report.read_text(encoding="utf-8"))["findings"])
    lint = None
    document = root / "out0" / "openapi.yaml"
    if redocly and document.is_file():
        lint = Runs()
        env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
        cmd = [redocly, "lint", "--extends", "recommended", str(document)]
        measure(cmd, Runs(), stdout=root / "redocly.out", env=env)  # warm-up, unrecorded
        for _ in range(repeat):
            measure(cmd, lint, stdout=root / "redocly.out", env=env)
    return Row(n, check, build, lint, findings)


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def print_table(rows: list[Row]) -> None:
    head = ["N", "check s", "build s", "check MB", "build MB", "redocly s", "check/redocly",
            "check x", "build x", "findings"]
    lines = [head]
    prev: Row | None = None
    for r in rows:
        ratio = r.check.time / r.redocly.time if r.redocly else None
        g_check = r.check.time / prev.check.time if prev else None
        g_build = r.build.time / prev.build.time if prev else None
        lines.append([
            str(r.n), _fmt(r.check.time), _fmt(r.build.time), _fmt(r.check.peak, ".0f"),
            _fmt(r.build.peak, ".0f"), _fmt(r.redocly.time if r.redocly else None),
            _fmt(ratio), _fmt(g_check), _fmt(g_build),
            "?" if r.findings is None else str(r.findings),
        ])
        prev = r
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for i, line in enumerate(lines):
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("(times are medians of the runs; 'x' columns: growth vs the previous N)")


def targets(rows: list[Row]) -> list[tuple[bool | None, str]]:
    """Each target with True (holds), False (missed) or None (not measured) and a line."""
    out: list[tuple[bool | None, str]] = []
    by_n = {r.n: r for r in rows}
    at = by_n.get(REDOCLY_AT)
    if at is None:
        out.append((None, f"check({REDOCLY_AT}) <= redocly({REDOCLY_AT}): N={REDOCLY_AT} "
                          "not measured"))
    elif at.redocly is None:
        out.append((None, f"check({REDOCLY_AT}) <= redocly({REDOCLY_AT}): redocly not run"))
    else:
        ok = at.check.time <= at.redocly.time
        out.append((ok, f"check({REDOCLY_AT}) = {at.check.time:.2f}s <= redocly({REDOCLY_AT})"
                        f" = {at.redocly.time:.2f}s"))
    pairs = [(a, b) for a, b in itertools.pairwise(rows) if b.n == 2 * a.n]
    if not pairs:
        out.append((None, f"time(2N)/time(N) <= {GROWTH_LIMIT}: no pair of sizes N, 2N"))
    for a, b in pairs:
        for name, ta, tb in (("check", a.check.time, b.check.time),
                             ("build", a.build.time, b.build.time)):
            ratio = tb / ta
            out.append((ratio <= GROWTH_LIMIT, f"{name}({b.n})/{name}({a.n}) = {ratio:.2f} "
                                               f"<= {GROWTH_LIMIT}"))
    big = by_n.get(MEMORY_AT)
    if big is None:
        out.append((None, f"peak memory < {MEMORY_LIMIT_MB:.0f} MB at N={MEMORY_AT}: "
                          "not measured"))
    else:
        for name, runs in (("check", big.check), ("build", big.build)):
            out.append((runs.peak < MEMORY_LIMIT_MB, f"{name} peak memory at N={MEMORY_AT} = "
                                                     f"{runs.peak:.0f} MB < {MEMORY_LIMIT_MB:.0f} MB"))
    return out


def parse_sizes(parser: argparse.ArgumentParser, text: str) -> list[int]:
    """The ``--sizes`` option: sorted distinct endpoint counts (argparse error otherwise)."""
    try:
        return sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {text!r}")


@contextlib.contextmanager
def work_dir(path: Path | None, prefix: str) -> Iterator[Path]:
    """``--work`` if given (kept afterwards), else a temporary folder removed at the end."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated endpoint counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--work", type=Path, help="where designs and outputs go "
                        "(default: a temporary folder, removed afterwards)")
    args = parser.parse_args(argv)
    sizes = parse_sizes(parser, args.sizes)
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be positive")
    redocly = shutil.which("redocly")
    print(f"designgate: {' '.join(designgate_command())}")
    print(f"redocly: {redocly or 'not found on PATH; the redocly column is skipped'}")
    print(f"sizes: {', '.join(map(str, sizes))}; {args.repeat} run(s) each; "
          f"{os.cpu_count()} CPU(s)\n", flush=True)

    rows = []
    with work_dir(args.work, "designgate-bench-") as work:
        for n in sizes:
            print(f"N={n} ...", flush=True)
            rows.append(bench(n, work, args.repeat, redocly))
    print()
    print_table(rows)
    unclean = [r.n for r in rows if r.findings]
    if unclean:
        print(f"\nnote: the synthetic design is not check-clean at N={unclean} "
              "(see check.json with --work); fix benchmarks/synth.py")
    lint_failed = [r.n for r in rows if r.redocly and any(r.redocly.codes)]
    if lint_failed:
        print(f"note: redocly lint reported problems at N={lint_failed} "
              "(see redocly.out with --work)")
    print("\ntargets:")
    for ok, line in targets(rows):
        mark = {True: "PASS", False: "MISS", None: "SKIP"}[ok]
        print(f"  {mark}  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
