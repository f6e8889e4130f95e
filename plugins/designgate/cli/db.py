"""``designgate db verify``: thin over ``designgate.db.verify``.

Exit codes: 0 every check passed; 1 a migration failed, the catalog differs from the design,
a rollback left something behind, or an RLS check failed (or the design has errors, in which
case nothing is run); 2 usage error, a design that cannot be loaded, or a server that cannot
be used (unreachable, bad credentials, missing privileges, no driver).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from designgate.cli.paths import report_root

EXIT_OK, EXIT_FAIL = 0, 1


@click.group()
def db() -> None:
    """The database design on a real PostgreSQL."""


@db.command()
@click.argument("design_dir", default="design", type=click.Path(file_okay=False, path_type=Path))
@click.option("--database-url", envvar="DESIGNGATE_DATABASE_URL", metavar="URL", required=True,
              help="postgresql://user:password@host:port/dbname of a server where the user may "
                   "create databases and roles (env: DESIGNGATE_DATABASE_URL).")
@click.option("--no-rls", is_flag=True, help="Skip the row-level-security checks.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of the report.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the JSON report here (the site shows its RLS matrix).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def verify(design_dir: Path, database_url: str, no_rls: bool, fmt: str, out: Path | None,
           quiet: bool) -> int:
    """Apply, compare, roll back and re-apply the migrations of DESIGN_DIR in a scratch
    database, then check each role's row-level security; the scratch database is always
    dropped."""
    from designgate.check import check_design
    from designgate.db.report import render_text, to_json
    from designgate.db.verify import verify as run_verify
    from designgate.findings import Severity

    report = check_design(design_dir, root=report_root(design_dir))
    errors = [f for f in report.findings if f.severity >= Severity.ERROR]
    if errors:
        for f in errors:
            click.echo(f"{f.location} {f.rule} {f.message}", err=True)
        click.echo(f"db verify: the design has {len(errors)} error(s); fix them first "
                   "(nothing was run)", err=True)
        return EXIT_FAIL

    def log(line: str) -> None:
        if not quiet:
            click.echo(f"db verify: {line}", err=True)

    result = run_verify(report.design, database_url, rls=not no_rls, log=log)
    data: dict[str, Any] = to_json(result)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=2) + os.linesep, encoding="utf-8")
    click.echo(json.dumps(data, indent=2) if fmt == "json" else render_text(result))
    return EXIT_OK if result.ok else EXIT_FAIL


@db.command()
@click.option("--database-url", envvar="DESIGNGATE_DATABASE_URL", metavar="URL", required=True,
              help="The server earlier `db verify` runs used (env: DESIGNGATE_DATABASE_URL).")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def cleanup(database_url: str, dry_run: bool) -> int:
    """Remove what `db verify` runs could not remove themselves (a lost connection, a killed
    process): their scratch databases (designgate_verify_*) and the roles they created,
    which carry a comment naming the run. Nothing else is touched."""
    from designgate.db.verify import cleanup as run_cleanup
    from designgate.db.verify import leftovers

    if dry_run:
        dbs, roles = leftovers(database_url)
    else:
        dbs, roles = run_cleanup(database_url)
    verb = "would remove" if dry_run else "removed"
    for name in dbs:
        click.echo(f"database {name}")
    for name in roles:
        click.echo(f"role {name}")
    click.echo(f"db cleanup: {verb} {len(dbs)} database(s) and {len(roles)} role(s)", err=True)
    return EXIT_OK
