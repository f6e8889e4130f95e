"""Benchmark ``designgate diff`` on the synthetic design against a copy with random changes.

Generates the N-endpoint synthetic design (``synth.py``, default 1,000) in a git repository,
commits it, then makes ``--changes`` (default 50) random edits of every kind in the working
tree — request and response bounds, enums, nullability and types of columns, page sizes,
permissions of roles, requirement titles — with a fixed seed. Then, as whole processes
through ``_measure.py`` (``--repeat`` runs, median): ``designgate check design`` and
``designgate diff design --base HEAD``. Target: diff at most 2x check.

Run: ``python benchmarks/diff.py [--endpoints 1000] [--changes 50] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Runs, designgate_command, measure, python_env, work_dir  # noqa: E402
from synth import generate  # noqa: E402

#: (files, pattern, replacement) — each edit rewrites one random match.
EDITS: list[tuple[str, str, object]] = [
    ("schemas/*.yaml", r"maxLength: (\d+)", lambda m: f"maxLength: {int(m[1]) // 2 + 1}"),
    ("schemas/*.yaml", r"enum: \[", lambda m: "enum: [extra_value, "),
    ("schemas/*.yaml", r"minLength: (\d+)", lambda m: f"minLength: {int(m[1]) + 1}"),
    ("tables/*.yaml", r"nullable: true", lambda m: "nullable: false"),
    ("tables/*.yaml", r"varchar\((\d+)\)", lambda m: f"varchar({int(m[1]) + 10})"),
    ("api/*.yaml", r"max_page_size: (\d+)", lambda m: f"max_page_size: {int(m[1]) - 10}"),
    ("auth.yaml", r"\n      - [a-z_]+:(create|update|delete)\n", lambda m: "\n"),
    ("prd.yaml", r"title: ([^\n]+)", lambda m: f"title: {m[1]} (revised)"),
]


def mutate(design: Path, changes: int, seed: int) -> int:
    rng = random.Random(seed)
    done = 0
    for i in range(changes * 4):
        if done >= changes:
            break
        files, pattern, repl = EDITS[i % len(EDITS)]
        paths = sorted(design.glob(files))
        if not paths:
            continue
        path = rng.choice(paths)
        text = path.read_text(encoding="utf-8")
        matches = list(re.finditer(pattern, text))
        if not matches:
            continue
        m = rng.choice(matches)
        new = repl(m) if callable(repl) else str(repl)
        path.write_text(text[:m.start()] + new + text[m.end():], encoding="utf-8")
        done += 1
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)
    with work_dir(args.work, "designgate-bench-diff-") as work:
        repo = work / "repo"
        design = generate(args.endpoints, repo)
        git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@x"]
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "base"], check=True)
        made = mutate(design, args.changes, args.seed)
        env = python_env(work)
        check, diff = Runs(), Runs()
        dg = designgate_command()
        for i in range(args.repeat):
            measure([*dg, "check", str(design)], check, work / f"check{i}.out", env)
            measure([*dg, "diff", str(design), "--base", "HEAD"], diff, work / f"diff{i}.out",
                    env)
        summary = (work / "diff0.out").read_text(encoding="utf-8").strip().splitlines()[-1]
        ratio = diff.time / check.time
        print(f"{args.endpoints} endpoints, {made} edits -> {summary}")
        print(f"check: {check.time:.2f} s, {check.peak:.0f} MB")
        print(f"diff:  {diff.time:.2f} s, {diff.peak:.0f} MB  ({ratio:.2f}x check; target "
              f"<= 2x: {'met' if ratio <= 2 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
