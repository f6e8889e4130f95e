"""Benchmark the design site: ``mkdocs build`` of a design, and its rebuild under ``serve``.

For each size N (default 250, 500, 1000, 2000) a synthetic check-clean design with N
endpoints is generated (``synth.py``) beside a minimal MkDocs project (Material theme,
``search`` and ``designgate`` plugins, one ``docs/index.md``). Then:

* ``mkdocs build --strict`` runs as a whole process through ``_measure.py`` (wall time and
  its own peak RSS), ``--repeat`` times; the median is reported, with the number of HTML
  pages and the size of the built site;
* ``mkdocs serve`` (livereload on) is started on a free local port; once it serves the
  design overview, one endpoint summary in ``design/api/`` is changed ``--edits`` times
  (default 3), and the time from the write until ``/design/endpoints/`` shows the new word
  is measured (polled every 50 ms); the median is reported.

Prints one table and whether the target holds: the 1,000-endpoint site builds in under 30 s.
POSIX only (``_measure.py`` uses ``getrusage``; the server is stopped through its process
group).

Run: ``python benchmarks/site_build.py [--sizes 250,1000] [--repeat 1] [--edits 3] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Runs, measure, parse_sizes, work_dir  # noqa: E402
from synth import generate  # noqa: E402

DEFAULT_SIZES = (250, 500, 1000, 2000)
DEFAULT_EDITS = 3
TARGET_N = 1000
TARGET_SECONDS = 30.0
POLL_SECONDS = 0.05
#: How long the server may take to come up (its initial build) or to show an edit.
SERVE_TIMEOUT = 900.0
MKDOCS_YML = """\
site_name: designgate site benchmark
theme: {name: material, font: false}
plugins:
  - search
  - designgate: {design_dir: design, fail_on: error}
"""
INDEX_MD = "# Site benchmark\n\nA synthetic design, rendered by the designgate plugin.\n"
SUMMARY = re.compile(r"^(\s*summary: )(.*)$", re.MULTILINE)


@dataclass(slots=True)
class Row:
    n: int
    build: Runs
    pages: int
    site_mb: float
    rebuilds: list[float] = field(default_factory=list)

    @property
    def rebuild(self) -> float | None:
        return statistics.median(self.rebuilds) if self.rebuilds else None


def mkdocs_command() -> list[str]:
    """The ``mkdocs`` script installed beside this interpreter, else ``python -m mkdocs``."""
    script = Path(sys.executable).parent / ("mkdocs.exe" if os.name == "nt" else "mkdocs")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mkdocs"]


def mkdocs_env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def project(n: int, root: Path) -> Path:
    """Write the design with ``n`` endpoints and a minimal MkDocs project to ``root``."""
    generate(n, root)
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "index.md").write_text(INDEX_MD, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(MKDOCS_YML, encoding="utf-8")
    return config


def site_stats(site: Path) -> tuple[int, float]:
    """The number of HTML pages of a built site and its total size in MB."""
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = sum(1 for p in files if p.suffix == ".html")
    return pages, sum(p.stat().st_size for p in files) / 2**20


# --- serve ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``mkdocs serve`` in its own process group; its stderr log is kept, line by line."""

    def __init__(self, config: Path, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self._lock = threading.Lock()
        cmd = [*mkdocs_command(), "serve", "--config-file", str(config),
               "--dev-addr", f"127.0.0.1:{port}"]
        self.proc = subprocess.Popen(
            cmd, cwd=config.parent, env=mkdocs_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace",
            start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def count(self, text: str) -> int:
        with self._lock:
            return sum(1 for line in self.lines if text in line)

    def tail(self, k: int = 30) -> str:
        with self._lock:
            return "\n".join(self.lines[-k:])

    def fail(self, why: str) -> SystemExit:
        return SystemExit(f"mkdocs serve: {why}\n{self.tail()}")

    def get(self, path: str) -> str | None:
        """The page's text, or None while the server is not up (or a request times out)."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as response:
                if response.status != 200:
                    return None
                body: bytes = response.read()
                return body.decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):  # refused, 404, timed out, reset
            return None

    def wait_for(self, path: str, word: str | None = None) -> None:
        """Poll ``path`` every 50 ms until it is served (and contains ``word``)."""
        deadline = time.perf_counter() + SERVE_TIMEOUT
        while True:
            body = self.get(path)
            if body is not None and (word is None or word in body):
                return
            if self.proc.poll() is not None:
                raise self.fail(f"exited with {self.proc.returncode}")
            if self.count("An error happened during the rebuild"):
                raise self.fail("the rebuild failed")
            if time.perf_counter() > deadline:
                raise self.fail(f"{path} not served{f' with {word!r}' if word else ''} "
                                 f"after {SERVE_TIMEOUT:.0f} s")
            time.sleep(POLL_SECONDS)

    def settle(self) -> None:
        """Wait until no build is running: every build started has been shown to browsers."""
        deadline = time.perf_counter() + SERVE_TIMEOUT
        while self.count("Building documentation") > self.count("Reloading browsers") + 1:
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise self.fail("did not settle after a rebuild")
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """Interrupt the whole process group (serve removes its temporary site), then kill."""
        steps = [(signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)]
        # A child inherits an ignored SIGINT (as in a background job of a script): skip it.
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            steps.insert(0, (signal.SIGINT, 15.0))
        for sig, grace in steps:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace)
        self._reader.join(timeout=5)


@contextlib.contextmanager
def serving(config: Path) -> Iterator[Server]:
    server = Server(config, free_port())
    try:
        yield server
    finally:
        server.stop()


def edit_summary(api_file: Path, word: str) -> None:
    """Set the first endpoint summary of ``api_file`` to its original text plus ``word``."""
    text = api_file.read_text(encoding="utf-8")
    match = SUMMARY.search(text)
    if match is None:
        raise SystemExit(f"no endpoint summary in {api_file}")
    original = match[2].split(" benchedit", 1)[0]
    new = f"{match[1]}{original} {word}"
    api_file.write_text(text[: match.start()] + new + text[match.end():], encoding="utf-8")


def rebuild_times(config: Path, edits: int) -> list[float]:
    """Seconds from writing one design file until the served page shows the change."""
    api_file = sorted((config.parent / "design" / "api").glob("*.yaml"))[0]
    times: list[float] = []
    with serving(config) as server:
        server.wait_for("/design/")
        for k in range(edits):
            server.settle()
            builds = server.count("Building documentation")
            word = f"benchedit{k + 1}x{os.getpid()}"
            start = time.perf_counter()
            edit_summary(api_file, word)
            server.wait_for("/design/endpoints/", word)
            times.append(time.perf_counter() - start)
            if server.count("Building documentation") <= builds:
                raise server.fail("the page changed without a logged rebuild")
    return times


# --- the benchmark -------------------------------------------------------------------------


def bench(n: int, work: Path, repeat: int, edits: int) -> Row:
    root = work / f"n{n}"
    config = project(n, root)
    site = root / "site"
    build = Runs()
    for _ in range(repeat):
        shutil.rmtree(site, ignore_errors=True)
        cmd = [*mkdocs_command(), "build", "--strict", "--config-file", str(config),
               "--site-dir", str(site)]
        measure(cmd, build, stdout=root / "build.out", env=mkdocs_env())
        if build.codes[-1] != 0:
            log = (root / "build.err").read_text(encoding="utf-8", errors="replace")
            raise SystemExit(f"mkdocs build failed ({build.codes[-1]}) at N={n}:\n"
                             f"{log.strip()[-2000:]}")
    pages, size = site_stats(site)
    row = Row(n, build, pages, size)
    if edits:
        row.rebuilds = rebuild_times(config, edits)
    return row


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def print_table(rows: list[Row]) -> None:
    head = ["N", "pages", "site MB", "build s", "build MB", "rebuild s"]
    lines = [head]
    for r in rows:
        lines.append([str(r.n), str(r.pages), _fmt(r.site_mb, ".1f"), _fmt(r.build.time),
                      _fmt(r.build.peak, ".0f"), _fmt(r.rebuild)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for i, line in enumerate(lines):
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("(build: median of the runs, whole process; rebuild: median over the edits, from "
          "writing the file to the served page showing it)")


def target(rows: list[Row]) -> bool | None:
    """Print the target line; True (holds), False (missed) or None (not measured)."""
    at = next((r for r in rows if r.n == TARGET_N), None)
    head = f"Target: the {TARGET_N:,}-endpoint site builds in under {TARGET_SECONDS:.0f} s"
    if at is None:
        print(f"{head}: SKIP (N={TARGET_N} not measured)")
        return None
    ok = at.build.time < TARGET_SECONDS
    print(f"{head}: {'PASS' if ok else 'MISS'} ({at.build.time:.1f} s)")
    if not ok:
        print(f"hint: profile it, e.g. with --work DIR, then\n"
              f"  cd DIR/n{TARGET_N} && {sys.executable} -m cProfile -o build.prof "
              f"{' '.join(mkdocs_command())} build --strict --site-dir /tmp/site\n"
              f"  {sys.executable} -c \"import pstats; "
              f"pstats.Stats('build.prof').sort_stats('cumulative').print_stats(30)\"")
    return ok


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: the server is stopped on the way


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminated)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated endpoint counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="builds per size")
    parser.add_argument("--edits", type=int, default=DEFAULT_EDITS,
                        help="edits timed under serve per size (0: skip serve)")
    parser.add_argument("--work", type=Path, help="where projects and sites go "
                        "(default: a temporary folder, removed afterwards)")
    args = parser.parse_args(argv)
    sizes = parse_sizes(parser, args.sizes)
    if not sizes or min(sizes) < 1 or args.repeat < 1 or args.edits < 0:
        parser.error("sizes and --repeat must be positive, --edits not negative")
    print(f"mkdocs: {' '.join(mkdocs_command())}")
    print(f"sizes: {', '.join(map(str, sizes))}; {args.repeat} build(s) and {args.edits} "
          f"edit(s) each; {os.cpu_count()} CPU(s)\n", flush=True)

    rows = []
    with work_dir(args.work, "designgate-site-") as work:
        for n in sizes:
            print(f"N={n} ...", flush=True)
            rows.append(bench(n, work, args.repeat, args.edits))
    print()
    print_table(rows)
    print()
    target(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
