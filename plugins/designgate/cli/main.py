"""The ``designgate`` command: a thin click adapter over the library core.

Exit codes: 0 clean at the chosen ``--fail-on``, 1 findings at or above it, 2 usage error,
load failure or refused write. Errors are one line on stderr, never a traceback
(``DESIGNGATE_DEBUG=1`` re-raises unexpected exceptions).
"""

from __future__ import annotations

import difflib
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from designgate import __version__
from designgate.check import Report, check_design
from designgate.cli.formats import FORMATTERS, RULE_FORMATTERS, Options, explain, render
from designgate.cli.paths import report_root
from designgate.db import Interrupted
from designgate.export import ExportError, export_schemas, init_project
from designgate.findings import Severity
from designgate.load.loader import DesignLoadError
from designgate.rules.registry import Rule, all_rules, get_rule

PROG = "designgate"
FAIL_ON: dict[str, Severity | None] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "never": None,
}
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


def _error(message: str) -> None:
    click.echo(f"{PROG}: error: {' '.join(message.split())}", err=True)


class _Cli(click.Group):
    """Turns every failure into one line on stderr and an exit code."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        kwargs.setdefault("prog_name", PROG)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            code = EXIT_ERROR
        except click.ClickException as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if getattr(exc, "ctx", None) else ""
            _error(exc.format_message() + hint)
            code = EXIT_ERROR
        except click.Abort:
            click.echo(f"{PROG}: interrupted", err=True)
            code = 130
        except Interrupted as exc:  # SIGTERM / SIGHUP during db verify, after its cleanup
            click.echo(f"{PROG}: interrupted by {exc}", err=True)
            code = 128 + exc.signum
        except (CliError, DesignLoadError, ExportError, *_gate_errors()) as exc:
            _error(str(exc))
            code = EXIT_ERROR
        except OSError as exc:
            # The environment refused (permissions, disk full...): say what and where.
            where = f"{exc.filename}: " if exc.filename else ""
            _error(f"{where}{exc.strerror or exc}")
            code = EXIT_ERROR
        except Exception as exc:
            if os.environ.get("DESIGNGATE_DEBUG"):
                raise
            msg = " ".join(str(exc).split())
            click.echo(f"{PROG}: internal error: {type(exc).__name__}: {msg} "
                       "(run with DESIGNGATE_DEBUG=1 for the traceback)", err=True)
            code = EXIT_ERROR
        if not isinstance(code, int):
            code = EXIT_OK
        if not standalone_mode:
            return code
        sys.exit(code)


def _gate_errors() -> tuple[type[Exception], ...]:
    from designgate.cli.gate import GateCliError
    from designgate.db.verify import VerifyError
    from designgate.gate.draft import DraftError
    from designgate.gate.git import GitError
    from designgate.gate.github import GitHubError
    from designgate.gate.reviews import ReviewDataError

    return (GateCliError, DraftError, GitError, GitHubError, ReviewDataError, VerifyError)


F = TypeVar("F", bound=Callable[..., Any])


def _report_options(fn: F) -> F:
    """--format, --fail-on and --show-waived, shared by check and build."""
    fn = click.option("--show-waived", is_flag=True,
                      help="Also list waived findings with their reasons.")(fn)
    fn = click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="error",
                      show_default=True,
                      help="Lowest severity that makes the exit code 1.")(fn)
    fn = click.option("--format", "fmt", type=click.Choice(list(FORMATTERS)), default="text",
                      show_default=True, help="Output format of the findings.")(fn)
    return fn


_DESIGN_DIR = click.argument("design_dir", default="design",
                             type=click.Path(file_okay=False, path_type=Path))


def _color(stream: IO[str]) -> bool:
    # https://no-color.org: any non-empty NO_COLOR disables colour.
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _emit_report(report: Report, fmt: str, fail_on: str, show_waived: bool, *, err: bool) -> None:
    stream = sys.stderr if err else sys.stdout
    opts = Options(color=fmt == "text" and _color(stream), show_waived=show_waived,
                   fail_on=FAIL_ON[fail_on])
    click.echo(render(report, fmt, opts), err=err, color=opts.color)


def _exit_code(report: Report, fail_on: str) -> int:
    return EXIT_FINDINGS if report.fails(FAIL_ON[fail_on]) else EXIT_OK


def _check(design_dir: Path) -> Report:
    """Check with paths relative to the working directory when the design lies inside it."""
    return check_design(design_dir, root=report_root(design_dir))


@click.group(PROG, cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """Backend design as code: check design sources, build the contract."""


@cli.command()
@_DESIGN_DIR
@_report_options
def check(design_dir: Path, fmt: str, fail_on: str, show_waived: bool) -> int:
    """Check the design sources in DESIGN_DIR (default: design)."""
    report = _check(design_dir)
    _emit_report(report, fmt, fail_on, show_waived, err=False)
    return _exit_code(report, fail_on)


@cli.command()
@_DESIGN_DIR
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the generated files into.")
@click.option("--force", is_flag=True, help="Replace files in --out that designgate did not write.")
@_report_options
def build(design_dir: Path, out: Path, force: bool, fmt: str, fail_on: str,
          show_waived: bool) -> int:
    """Check DESIGN_DIR, then write the generated contract into --out.

    Outputs are written even when there are findings, so reviewers can see the contract;
    the exit code still reflects --fail-on. Findings go to stderr (GitHub annotations to
    stdout, where the runner reads them); stdout lists the written files.
    """
    report = _check(design_dir)
    from designgate.generate import OutputError, write_outputs

    _emit_report(report, fmt, fail_on, show_waived, err=fmt != "github")
    withheld: list[str] = []
    try:
        written = write_outputs(report.design, out, force=force, withheld=withheld)
    except OutputError as exc:
        raise CliError(str(exc)) from exc
    for path in written:
        click.echo(str(path))
    for reason in withheld:
        click.echo(f"{PROG}: {reason}", err=True)
    return max(_exit_code(report, fail_on), EXIT_FINDINGS if withheld else EXIT_OK)


@cli.command()
@_DESIGN_DIR
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the docs to write the design pages into, e.g. docs/design.")
@click.option("--force", is_flag=True, help="Replace files in --out that designgate did not write.")
@click.option("--mermaid-js", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A local mermaid.min.js, copied beside the pages: the ER diagrams are drawn "
                   "(without it, shown as source).")
@click.option("--source-url", default=None, metavar="TEMPLATE",
              help="Link to a source line: a URL with {path} and {line} (and {commit}).")
@click.option("--gate/--no-gate", default=True, show_default=True,
              help="The gate and the changes since the approved baseline, from git.")
@click.option("--interventions-dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The human-interventions folder (default: beside the design).")
@click.option("--no-guide", is_flag=True, help="Leave out the user guide.")
@_report_options
def pages(design_dir: Path, out: Path, force: bool, mermaid_js: Path | None,
          source_url: str | None, gate: bool, interventions_dir: Path | None, no_guide: bool,
          fmt: str, fail_on: str, show_waived: bool) -> int:
    """Check DESIGN_DIR, then write the design site's pages into --out as Markdown files.

    The same pages as the MkDocs plugin's, for a generator that runs no MkDocs plugin
    (Zensical): point its docs at them and add the stylesheet --out/assets/designgate.css
    (extra_css). Never writes over a file it did not write; a later run replaces its own
    files and removes the ones no longer generated. stdout lists the files written.
    """
    from designgate.render.pages import (
        PagesError,
        default_source_url,
        gate_view,
        repository,
        write_pages,
    )
    from designgate.render.site import SiteOptions

    report = _check(design_dir)
    _emit_report(report, fmt, fail_on, show_waived, err=fmt != "github")
    view = gate_view(design_dir, report, interventions_dir) if gate else None
    repo = repository(design_dir)
    source_url = source_url or default_source_url(report, repo)
    options = SiteOptions(guide_dir=None if no_guide else "guide", source_url=source_url,
                          commit=repo.commit,
                          gate=view.gate if view else None,
                          changes=view.changes if view else None,
                          changes_base=view.changes_base if view else None)
    try:
        written = write_pages(report, out, options, mermaid_js=mermaid_js, force=force)
    except PagesError as exc:
        raise CliError(str(exc)) from exc
    for path in written:
        click.echo(str(path))
    return _exit_code(report, fail_on)


@cli.command()
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
def init(directory: Path) -> int:
    """Start a design in DIR: a small clean example and editor schemas.

    Writes DIR/design/ and DIR/.designgate/schema/; refuses, writing nothing,
    when any of those files exists.
    """
    written = init_project(directory)
    for path in written:
        click.echo(str(path))
    design = shlex.quote(str(directory / "design"))
    build_dir = shlex.quote(str(directory / "build"))
    click.echo(
        f"\nWrote {len(written)} files. Next steps:\n"
        f"  1. Edit the design sources in {design} (start with project.yaml and prd.yaml).\n"
        f"  2. {PROG} check {design}\n"
        f"  3. {PROG} build {design} --out {build_dir}\n"
        f"Editors with the YAML language server check each file against "
        f"{directory / '.designgate' / 'schema'}."
    )
    return EXIT_OK


@cli.command()
@click.option("--format", "fmt", type=click.Choice(list(RULE_FORMATTERS)), default="text",
              show_default=True, help="Output format of the list.")
def rules(fmt: str) -> int:
    """List every rule: id, name, default severity, family and summary."""
    click.echo(RULE_FORMATTERS[fmt](all_rules()))
    return EXIT_OK


@cli.command(name="explain")
@click.argument("rule_id", metavar="RULE")
def explain_rule(rule_id: str) -> int:
    """Show the full documentation of RULE (an id like T001, a rule name, or a change check
    of `designgate diff` like request-property-removed)."""
    from designgate.diff.catalog import CATALOG

    kind = CATALOG.get(rule_id.strip().lower())
    click.echo(kind.explain() if kind is not None else explain(_find_rule(rule_id)))
    return EXIT_OK


DIFF_FAIL_ON = ("breaking", "warning", "info", "never")


@cli.command(name="diff")
@_DESIGN_DIR
@click.option("--base", "base", required=True, metavar="REF",
              help="The git ref of the base design, or `approved` (the approved baseline).")
@click.option("--head", "head", default=None, metavar="REF",
              help="The git ref of the head design (default: the working tree).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "github",
                                                    "sarif"]),
              default="text", show_default=True, help="Output format of the changes.")
@click.option("--fail-on", type=click.Choice(DIFF_FAIL_ON), default="breaking",
              show_default=True, help="Lowest level that makes the exit code 1 "
              "(acknowledged changes never do).")
def diff(design_dir: Path, base: str, head: str | None, fmt: str, fail_on: str) -> int:
    """Every change between the design at --base and at --head, classified (breaking,
    warning, info), located in both versions, with its impact."""
    from designgate.diff.catalog import Level
    from designgate.diff.report import FORMATTERS as DIFF_FORMATTERS
    from designgate.diff.source import DiffError, diff_refs

    try:
        result = diff_refs(design_dir, base, head, report_root=report_root(design_dir))
    except DiffError as exc:
        raise CliError(str(exc)) from None
    threshold = None if fail_on == "never" else Level[fail_on.upper()]
    click.echo(DIFF_FORMATTERS[fmt](result, threshold))
    return EXIT_FINDINGS if result.fails(threshold) else EXIT_OK


def _find_rule(text: str) -> Rule:
    rule = get_rule(text.strip())
    if rule is not None:
        return rule
    rules = all_rules()
    by_name = {r.name.lower(): r for r in rules}
    if text.strip().lower() in by_name:
        return by_name[text.strip().lower()]
    words = [r.id for r in rules] + [r.name for r in rules]
    close = difflib.get_close_matches(text.strip().upper(), [r.id for r in rules], n=1) or \
        difflib.get_close_matches(text.strip().lower(), words, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; run '{PROG} rules' for the list"
    raise CliError(f"unknown rule '{text}'{hint}")


@cli.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the schemas into.")
@click.option("--force", is_flag=True, help="Replace schema files that differ.")
def schema(out: Path, force: bool) -> int:
    """Export the JSON Schema of every design file kind (<kind>.json and design.json)."""
    result = export_schemas(out, force=force)
    for path in result.written:
        click.echo(str(path))
    click.echo(f"{len(result.written)} written, {len(result.unchanged)} unchanged in {out}",
               err=True)
    return EXIT_OK


@cli.group()
def migrations() -> None:
    """The migration plan: record which migrations have shipped."""


@migrations.command(name="sum")
@_DESIGN_DIR
@click.option("--force", is_flag=True,
              help="Record the plan even where it differs from what migrations.sum recorded.")
def migrations_sum(design_dir: Path, force: bool) -> int:
    """Record every migration of DESIGN_DIR, with a hash of its SQL, in migrations.sum.

    Run it when the migrations ship. From then on `check` reports (S031) any change to what a
    recorded migration does. A design with errors is not recorded; a recorded migration that
    changed is only re-recorded with --force.
    """
    from designgate.generate import checksum

    report = _check(design_dir)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    changed = [f for f in errors if f.rule == "S031"]
    if changed and not force:
        raise CliError(f"{changed[0].location}: {changed[0].message} "
                       f"({len(changed)} change(s) to shipped migrations); "
                       "put them in a new migration, or pass --force to record them anyway")
    others = [f for f in errors if f.rule != "S031"]
    if others:
        raise CliError(f"the design has {len(others)} error(s), first {others[0].location} "
                       f"{others[0].rule}: {others[0].message}; fix them before recording")
    path = design_dir / checksum.FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise CliError(f"{path} is not a regular file; not written")
    text = checksum.render(report.design)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        click.echo(f"{path} is up to date ({len(report.design.migrations)} migrations)", err=True)
        return EXIT_OK
    path.write_text(text, encoding="utf-8")
    click.echo(str(path))
    click.echo(f"{len(report.design.migrations)} migrations recorded", err=True)
    return EXIT_OK


def _add_gate_commands() -> None:
    from designgate.cli.db import db
    from designgate.cli.gate import gate, intervention

    cli.add_command(gate)
    cli.add_command(intervention)
    cli.add_command(db)


_add_gate_commands()


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name=PROG)
