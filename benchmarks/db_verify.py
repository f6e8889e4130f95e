"""Benchmark ``designgate db verify`` on the synthetic designs, as whole processes.

For each size N (default 1000) the synthetic design (``synth.py``: N endpoints, their tables,
indexes, roles and policies, executable migrations) is verified on a real PostgreSQL through
``_measure.py``: wall time and peak memory of the ``designgate`` process (the server's own
work is in the wall time, not in the memory). Prints one table: tables, migrations, RLS
cells and checks, time, memory, exit code.

Run: ``python benchmarks/db_verify.py --database-url postgresql://... [--sizes 250,1000]``
(default URL: ``$DESIGNGATE_DATABASE_URL`` or ``$DESIGNGATE_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Runs, designgate_command, measure, parse_sizes, work_dir  # noqa: E402
from synth import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated endpoint counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size")
    parser.add_argument("--database-url", default=os.environ.get("DESIGNGATE_DATABASE_URL")
                        or os.environ.get("DESIGNGATE_TEST_DATABASE_URL"))
    parser.add_argument("--no-rls", action="store_true", help="skip the RLS checks")
    parser.add_argument("--work", type=Path, help="keep designs and reports here")
    args = parser.parse_args(argv)
    sizes = parse_sizes(parser, args.sizes)
    if not args.database_url:
        parser.error("--database-url is required (or set DESIGNGATE_DATABASE_URL)")
    dg = designgate_command()
    print(f"designgate: {' '.join(dg)}; sizes {', '.join(map(str, sizes))}; "
          f"{args.repeat} run(s) each; {os.cpu_count()} CPU(s)\n", flush=True)
    rows = []
    with work_dir(args.work, "designgate-dbverify-") as work:
        for n in sizes:
            print(f"N={n} ...", flush=True)
            design = generate(n, work / f"n{n}")
            report = work / f"n{n}" / "verify.json"
            cmd = [*dg, "db", "verify", str(design), "--database-url", args.database_url,
                   "--out", str(report), "-q", *(["--no-rls"] if args.no_rls else [])]
            runs = Runs()
            for _ in range(args.repeat):
                measure(cmd, runs, work / f"n{n}" / "verify.out")
            data = json.loads(report.read_text(encoding="utf-8"))
            rls = data.get("rls") or {}
            invariants = (data.get("invariants") or {}).get("cases", [])
            rows.append((n, len(list((design / "tables").glob("*.yaml"))),
                         sum(1 for s in data["steps"] if s["phase"] == "up"),
                         len(rls.get("cells", [])), sum(c["checks"] for c in rls.get("cells", [])),
                         len(invariants), runs, data["ok"]))
    print(f"\n{'N':>5}  {'table files':>11}  {'migrations':>10}  {'RLS cells':>9}  "
          f"{'checks':>7}  {'invariants':>10}  {'time s':>7}  {'MB':>5}  ok")
    for n, tables, migrations, cells, checks, cases, runs, ok in rows:
        print(f"{n:>5}  {tables:>11}  {migrations:>10}  {cells:>9}  {checks:>7}  {cases:>10}  "
              f"{runs.time:>7.2f}  {runs.peak:>5.0f}  {'yes' if ok else 'NO'}")
    print("(time: median whole process, scratch database created, migrated up, compared, "
          "rolled back, re-applied on seeded rows, RLS and invariants checked, and dropped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
