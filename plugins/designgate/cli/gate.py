"""``designgate gate ...`` and ``designgate intervention ...``: thin over ``designgate.gate``.

Exit codes of ``gate status``: 0 draft, in review, revise or approved; 1 escalated or halted
(what a CI job fails on; ``--require-approved`` also makes every state but approved 1);
2 usage error, a design that cannot be loaded, or git/review data that cannot be read.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from designgate.cli.paths import report_root

if TYPE_CHECKING:  # the gate modules (and GitPython) load only when a gate command runs
    from designgate.gate import reviews as rv
    from designgate.gate.run import GateResult

FORMATS = ("text", "json", "markdown")

EXIT_OK, EXIT_FAIL = 0, 1


class GateCliError(Exception):
    """Printed as one line, exit code 2 (the main group catches it)."""


def _event(event_path: Path | None) -> tuple[Path, Any]:
    from designgate.gate import reviews as rv

    path = event_path or (Path(os.environ["GITHUB_EVENT_PATH"])
                          if os.environ.get("GITHUB_EVENT_PATH") else None)
    if path is None:
        raise GateCliError("--github needs the Actions event: GITHUB_EVENT_PATH is not set "
                           "(or pass --event FILE)")
    return path, rv.read_json(path)


def _pull_request(payload: Any, where: str, client: Any) -> tuple[rv.PullRequest,
                                                                  list[rv.Review]]:
    """The pull request of a pull_request, pull_request_review or issue_comment event."""
    from designgate.gate import reviews as rv

    issue = payload.get("issue") if isinstance(payload, dict) else None
    if (client is not None and isinstance(issue, dict) and issue.get("pull_request")
            and "pull_request" not in payload):
        repo = payload.get("repository") or {}
        full = repo.get("full_name") if isinstance(repo, dict) else None
        if not isinstance(full, str) or not isinstance(issue.get("number"), int):
            raise rv.ReviewDataError(f"{where}: missing issue.number or repository.full_name")
        pull = client.pull(full, issue["number"])
        return rv.from_event({"pull_request": pull, "repository": repo}, where)
    return rv.from_event(payload, where)


def evaluate_cli(design_dir: Path, base: str | None, reviews_file: Path | None,
                 github: bool, event: Path | None,
                 interventions: Path | None) -> GateResult:
    from designgate.gate import reviews as rv
    from designgate.gate.run import GateRequest, Host, gate_status

    pr = None
    reviews: list[rv.Review] | None = None
    source = "git trailers"
    host = None
    if github or event is not None:
        path, payload = _event(event)
        client = None
        if github:
            from designgate.gate.github import GitHub

            client = GitHub.from_env()
        pr, from_event = _pull_request(payload, str(path), client)
        reviews = from_event
        source = f"event {path}"
        if client is not None:
            host = Host(client, pr.repository)
            fetched, comments = client.pull_facts(pr.repository, pr.number)
            reviews = rv.merge(fetched, from_event,
                               rv.decisions_from_comments(comments, "GitHub comments"))
            source = "GitHub API"
        if base is None:
            base = _current_base(design_dir, pr)
    if reviews_file is not None:
        reviews = rv.merge(reviews or [], rv.reviews_file(reviews_file))
        source = f"{reviews_file}" if not github else f"GitHub API + {reviews_file}"
    if reviews is not None and not reviews and not github and reviews_file is None:
        reviews = None  # an event without a review: fall back to trailers
    req = GateRequest(design_dir, report_root(design_dir), base, reviews, source, pr,
                      interventions, require_branch=pr is None, host=host)
    return gate_status(req)


def _current_base(design_dir: Path, pr: rv.PullRequest) -> str | None:
    """The base branch as it is now (``origin/<base>``), else the event's base commit.

    An event's ``base.sha`` is the base when the event was made: a review event can carry an
    old one, and commits merged in from the base since would look like the change's own."""
    from designgate.gate.git import GitError, Repo

    if pr.base_ref:
        try:
            repo = Repo(design_dir)
            return repo.resolve(f"origin/{pr.base_ref}")
        except GitError:
            pass
    return pr.base


@click.group()
def gate() -> None:
    """The design gate: reviews, revision cycles from git history, interventions."""


_DESIGN = click.argument("design_dir", default="design",
                         type=click.Path(file_okay=False, path_type=Path))


@gate.command()
@_DESIGN
@click.option("--base", metavar="REF",
              help="Count commits after REF (the pull request's base, e.g. origin/main). "
                   "Default: the event's base, else the approved baseline, else all history.")
@click.option("--reviews", "reviews_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Reviews as JSON in the shape of GitHub's 'list reviews' API.")
@click.option("--github", is_flag=True,
              help="Read the Actions event (GITHUB_EVENT_PATH) and fetch the pull request's "
                   "reviews from the GitHub API with GITHUB_TOKEN (the only network use).")
@click.option("--event", type=click.Path(dir_okay=False, path_type=Path),
              help="A pull_request or pull_request_review event payload (no network).")
@click.option("--interventions", type=click.Path(file_okay=False, path_type=Path),
              help="The human-interventions folder (default: beside DESIGN_DIR).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="text, json, or markdown (the review package).")
@click.option("--require-approved", is_flag=True,
              help="Exit 1 unless the gate is approved (for a merge check).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the output to this file.")
@click.option("--summary", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the review package (Markdown) to this file, e.g. "
                   "$GITHUB_STEP_SUMMARY.")
@click.option("--comment", is_flag=True,
              help="With --github: create or update the pull request's gate comment (the "
                   "review package) and set its gate:* label.")
def status(design_dir: Path, base: str | None, reviews_file: Path | None, github: bool,
           event: Path | None, interventions: Path | None, fmt: str, require_approved: bool,
           out: Path | None, summary: Path | None, comment: bool) -> int:
    """Show the gate state of DESIGN_DIR (default: design).

    States: draft, in-review, revise (cycle n of max), approved, escalated, halted. Exit
    code 1 when escalated or halted (or not approved, with --require-approved).
    """
    from designgate.gate.report import RENDERERS

    try:
        result = evaluate_cli(design_dir, base, reviews_file, github, event, interventions)
    except Exception as exc:
        if comment and github:
            _fail_closed(event, exc)
        raise
    text = RENDERERS[fmt](result)
    click.echo(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    if summary is not None:
        from designgate.gate.report import render_markdown

        with summary.open("a", encoding="utf-8") as fh:
            fh.write(render_markdown(result))
    if comment:
        if not github or result.status.pr is None:
            raise GateCliError("--comment needs --github (the pull request to comment on)")
        from designgate.gate.github import COMMENT_LIMIT, GitHub
        from designgate.gate.report import COMMENT_MARKER, LABELS, render_markdown

        client = GitHub.from_env()
        pr = result.status.pr
        try:
            url = client.upsert_comment(pr.repository, pr.number,
                                        render_markdown(result, limit=COMMENT_LIMIT),
                                        COMMENT_MARKER, _bot_login())
            client.set_gate_label(pr.repository, pr.number, LABELS.get(result.status.state),
                                  list(LABELS.values()))
        except Exception as exc:
            _fail_closed(event, exc)
            raise
        click.echo(f"gate comment: {url}", err=True)
    if require_approved and result.status.state != "approved":
        return EXIT_FAIL
    return result.status.exit_code


def _bot_login() -> str:
    from designgate.gate.github import BOT_LOGIN

    return os.environ.get("DESIGNGATE_BOT_LOGIN") or BOT_LOGIN


def _fail_closed(event: Path | None, exc: BaseException) -> None:
    """The gate could not be evaluated: no ``gate:approved`` label may stay behind, and the
    gate comment says why. Best effort: the original error is what the run reports."""
    from designgate.gate.github import GitHub
    from designgate.gate.report import COMMENT_MARKER, LABELS, md

    try:
        client = GitHub.from_env()
        client.retries = 0
        path, payload = _event(event)
        pr, _ = _pull_request(payload, str(path), client)
        client.set_gate_label(pr.repository, pr.number, None, [LABELS["approved"]])
        client.upsert_comment(pr.repository, pr.number,
                              f"{COMMENT_MARKER}\n## ⛔ Design gate: not evaluated\n\n"
                              f"The gate could not be evaluated: {md(exc)}\n\nUntil it can, "
                              "the design is not approved.\n", COMMENT_MARKER, _bot_login())
    except Exception:
        pass


@gate.command()
@click.argument("decision", type=click.Choice(["revise", "approve", "continue", "stop"]))
@_DESIGN
@click.option("-m", "--message", default="", help="The feedback (required for revise).")
@click.option("--reviewer", help="Who decides (default: git's user.name <user.email>).")
def record(decision: str, design_dir: Path, message: str, reviewer: str | None) -> int:
    """Record a review as an empty commit with trailers (no review host needed).

    The commit says who decided what about the current HEAD; `gate status` reads it when no
    other review data is given (local use: on a review host, its reviews count instead). An
    approve record also marks the approved baseline. On an escalated gate the orchestrator
    decides with --reviewer set to their handle (gate.orchestrator): approve (the gate goes
    on, approvals approve), continue (another gate.max_revision_cycles cycles) or stop.
    """
    from designgate.gate import reviews as rv
    from designgate.gate.git import GitError, Repo

    if decision in ("revise", "stop") and not message.strip():
        raise GateCliError("a revise needs the feedback: -m 'what to change'")
    repo = Repo(design_dir)
    if repo.branch() is None:
        raise GitError("HEAD is detached; check out a branch before recording a review")
    head = repo.head()
    who = reviewer or _git_user(repo)
    sha = repo.commit_empty(rv.record_message(decision, who, head, message))
    click.echo(f"recorded {decision} by {who} of {head[:12]} as commit {sha[:12]}")
    return EXIT_OK


@gate.command()
@_DESIGN
@click.option("--github", is_flag=True, required=True,
              help="Ask the GitHub API which pull request was merged into GITHUB_SHA.")
def tag(design_dir: Path, github: bool) -> int:
    """Mark an approved, merged design change as the approved baseline (run on main).

    For the commit GITHUB_SHA: when it merged a pull request that changed DESIGN_DIR and
    whose last commit was approved by the required reviewers, create the annotated tag
    designgate/approved/pr-<number> on it (through the API, and locally).
    """
    from designgate.gate import reviews as rv
    from designgate.gate.git import APPROVED_TAGS, TRAILER_REVIEWED, TRAILER_REVIEWER, Repo
    from designgate.gate.github import GitHub
    from designgate.gate.run import GateRequest, Host, gate_status

    sha = os.environ.get("GITHUB_SHA")
    repository = os.environ.get("GITHUB_REPOSITORY")
    if not sha or not repository:
        raise GateCliError("gate tag --github needs GITHUB_SHA and GITHUB_REPOSITORY")
    repo = Repo(design_dir)
    if not repo.changes_design(sha):
        click.echo(f"{sha[:12]} does not change {repo.design_path or 'the design'}; "
                   "nothing to tag")
        return EXIT_OK
    client = GitHub.from_env()
    pull = client.merged_pull(repository, sha)
    if pull is None:
        click.echo(f"{sha[:12]} merged no pull request; nothing to tag")
        return EXIT_OK
    number, head = int(pull["number"]), str((pull.get("head") or {}).get("sha") or "")
    if not head or not repo.has_commit(head):
        click.echo(f"#{number}'s last commit {head[:12] or '?'} is not in this clone (a squash "
                   "merge, or a shallow fetch); the gate cannot be evaluated, no baseline "
                   "tagged")
        return EXIT_OK
    parents = repo.parents(sha)
    base = parents[0] if parents else sha
    pr, _ = rv.from_event({"pull_request": pull,
                           "repository": {"full_name": repository}}, f"pull request #{number}")
    reviews, comments = client.pull_facts(repository, number)
    reviews = rv.merge(reviews, rv.decisions_from_comments(comments, "GitHub comments"))
    # The same evaluation as `gate status` of the pull request at its last commit.
    result = gate_status(GateRequest(design_dir, report_root(design_dir), base, reviews,
                                     "GitHub API", pr, host=Host(client, repository),
                                     head=head))
    if result.status.state != "approved":
        click.echo(f"#{number} was merged while the gate said '{result.status.label()}' "
                   f"({'; '.join(result.status.reasons)}); no baseline tagged")
        return EXIT_OK
    approvers = result.status.approvals
    name = f"{APPROVED_TAGS.removeprefix('refs/tags/')}pr-{number}"
    message = "\n".join([f"Design gate approved: #{number} {pull.get('title') or ''}".strip(),
                          "", *[f"{TRAILER_REVIEWER}: {r.reviewer}" for r in approvers],
                          f"{TRAILER_REVIEWED}: {head}", ""])
    created = client.create_tag(repository, name, sha, message)
    repo.tag(name, sha, message)
    click.echo(f"{'tagged' if created else 'already tagged'} {name} on {sha[:12]} "
               f"(approved by {', '.join(r.reviewer for r in approvers)})")
    return EXIT_OK


def _git_user(repo: Any) -> str:
    reader = repo.repo.config_reader()
    name = reader.get_value("user", "name", default="")
    email = reader.get_value("user", "email", default="")
    if not name:
        raise GateCliError("no reviewer: set git's user.name or pass --reviewer")
    return f"{name} <{email}>" if email else str(name)


@click.group()
def intervention() -> None:
    """Human interventions: records under human-interventions/."""


@intervention.command("new")
@_DESIGN
@click.option("--api-update", is_flag=True, required=True,
              help="Draft the record of a post-approval API contract change.")
@click.option("--interventions", type=click.Path(file_okay=False, path_type=Path),
              help="The human-interventions folder (default: beside DESIGN_DIR).")
@click.option("--date", "day", help="Date in the folder name (default: today, UTC).")
def new(design_dir: Path, api_update: bool, interventions: Path | None, day: str | None) -> int:
    """Draft human-interventions/active/<date>-04-api-update/content.md with the contract
    changes since the approved baseline. Refuses to overwrite an existing record."""
    from designgate.gate.draft import draft_api_update

    day = day or datetime.now(UTC).date().isoformat()
    path = draft_api_update(design_dir, report_root(design_dir), interventions, day)
    click.echo(str(path))
    return EXIT_OK
