"""Benchmark ``designgate gate status`` on a repository with a long history.

Generates (with ``git fast-import``, in seconds) a repository of ``--commits`` commits
(default 10,000) holding the repository's own example design: one commit in five changes a
design file, the others change a README; every 500th commit is a ``Design-Gate: revise``
trailer record, and commit ``--commits // 2`` is approved (``Design-Gate: approve``), so the
approved baseline's contract is rebuilt from git and compared. A reviews file in GitHub's
shape holds one review per 100 commits. Then, as whole processes through ``_measure.py``
(``--repeat`` runs, median):

* ``local``: ``designgate gate status`` (trailers; cycles since the approved baseline);
* ``pull request``: ``gate status --base <first commit> --reviews FILE`` (every commit of the
  history is in the reviewed range);
* ``json``: the pull-request case with ``--format json``.

Target: under 1 s each. Run: ``python benchmarks/gate.py [--commits 10000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import Runs, measure, work_dir  # noqa: E402

TARGET_SECONDS = 1.0
EPOCH = 1_767_261_600  # 2026-01-01T10:00:00Z
AUTHOR = b"Ada Architect <ada@example.com>"


def designgate_command() -> list[str]:
    exe = shutil.which("designgate")
    return [exe] if exe else [sys.executable, "-m", "designgate"]


def _blob(data: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(data), data)


def generate(path: Path, commits: int) -> tuple[str, list[dict[str, object]]]:
    """A repository with ``commits`` commits on main; its first commit and some reviews."""
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    design = sorted(p for p in (REPO / "design").rglob("*") if p.is_file())
    stream = bytearray()
    approve_at = commits // 2
    for n in range(1, commits + 1):
        when = EPOCH + n * 60
        message = f"Change {n}".encode()
        files: list[tuple[str, bytes]] = []
        if n == 1:
            message = b"Design: first draft"
            files = [(p.relative_to(REPO).as_posix(), p.read_bytes()) for p in design]
        elif n == approve_at:
            message = (b"Design gate: approve\n\nDesign-Gate: approve\n"
                       b"Design-Gate-Reviewer: Rita <rita@example.com>\n")
        elif n % 500 == 0:
            # No Design-Gate-Reviewed trailer: the reviewed commit is the record's parent.
            message = (b"Design gate: revise: round %d\n\nDesign-Gate: revise\n"
                       b"Design-Gate-Reviewer: Rita <rita@example.com>\n" % n)
        elif n % 5 == 0:
            project = (REPO / "design" / "project.yaml").read_bytes()
            files = [("design/project.yaml", project + b"# revision %d\n" % n)]
        else:
            files = [("README.md", b"notes %d\n" % n)]
        stream += b"commit refs/heads/main\nmark :%d\n" % n
        stream += b"committer %s %d +0000\n" % (AUTHOR, when)
        stream += _blob(message)
        if n > 1:
            stream += b"from :%d\n" % (n - 1)
        for name, data in files:
            stream += b"M 100644 inline " + name.encode() + b"\n" + _blob(data)
    marks = path / "marks"
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet",
                    f"--export-marks={marks}"], input=bytes(stream), check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "-f", "main"], check=True)
    shas = dict(line.split() for line in marks.read_text().splitlines())
    marks.unlink()
    reviews = [{
        "id": n, "user": {"login": "rita" if n % 300 else "sam"}, "body": f"round {n}",
        "state": "CHANGES_REQUESTED" if n % 200 == 0 else "COMMENTED",
        "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH + n * 60 + 30)),
        "commit_id": shas[f":{n}"],
    } for n in range(100, commits + 1, 100)]
    reviews.append({"id": commits + 1, "user": {"login": "rita"}, "body": "", "state": "APPROVED",
                    "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime(EPOCH + commits * 60 + 30)),
                    "commit_id": shas[f":{commits}"]})
    return shas[":1"], reviews


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, help="keep the repository here")
    args = parser.parse_args(argv)
    if args.commits < 10 or args.repeat < 1:
        parser.error("--commits must be at least 10 and --repeat positive")
    dg = designgate_command()
    print(f"designgate: {' '.join(dg)}; {args.commits} commits; {args.repeat} runs each; "
          f"{os.cpu_count()} CPU(s)\n", flush=True)
    with work_dir(args.work, "designgate-gate-") as work:
        repo = work / "repo"
        if repo.exists():
            shutil.rmtree(repo)
        t0 = time.perf_counter()
        first, reviews = generate(repo, args.commits)
        print(f"generated the repository in {time.perf_counter() - t0:.1f} s", flush=True)
        reviews_file = work / "reviews.json"
        reviews_file.write_text(json.dumps(reviews), encoding="utf-8")
        cases = {
            "local": [*dg, "gate", "status", "design"],
            "pull request": [*dg, "gate", "status", "design", "--base", first,
                             "--reviews", str(reviews_file)],
            "json": [*dg, "gate", "status", "design", "--base", first,
                     "--reviews", str(reviews_file), "--format", "json"],
        }
        rows = []
        cwd = Path.cwd()
        os.chdir(repo)
        try:
            for name, cmd in cases.items():
                runs = Runs()
                out = work / f"{name.replace(' ', '-')}.out"
                for _ in range(args.repeat):
                    measure(cmd, runs, out)
                rows.append((name, runs, out.read_text(encoding="utf-8").splitlines()[:1]))
        finally:
            os.chdir(cwd)
    print(f"\n{'case':<14} {'time s':>7} {'min s':>6} {'MB':>5}  exit  first line")
    print(f"{'-' * 14} {'-' * 7} {'-' * 6} {'-' * 5}  ----  ----------")
    for name, runs, first_line in rows:
        print(f"{name:<14} {runs.time:7.3f} {min(runs.seconds):6.3f} {runs.peak:5.0f}  "
              f"{runs.codes[0]:>4}  {first_line[0] if first_line else ''}")
    worst = max(r.time for _, r, _ in rows)
    mark = "PASS" if worst < TARGET_SECONDS else "MISS"
    print(f"\ntarget: gate status on {args.commits} commits under {TARGET_SECONDS:.0f} s: "
          f"{mark} (slowest median {worst:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
