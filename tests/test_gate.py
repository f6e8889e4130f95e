"""The gate on real git repositories: revision cycles, approvals, interventions, baselines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from designgate.cli.main import cli
from gitrepo import GitRepo
from support import edit, line_of


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.branch("feature/design")
    monkeypatch.chdir(r.path)
    return r


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def status(repo: GitRepo, *extra: str) -> dict[str, Any]:
    args: list[str | Path] = ["gate", "status", "design", "--base", "main", "--format", "json"]
    if repo.reviews:
        args += ["--reviews", repo.write_reviews()]
    result = run(*args, *extra)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert data["exit_code"] == result.exit_code
    return data


def one_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


# --- revision cycles --------------------------------------------------------------------


def test_zero_cycles_then_approved(repo: GitRepo) -> None:
    c1 = repo.design_change("endpoints")
    assert status(repo)["state"] == "draft"  # no review recorded, no pull request
    repo.review("APPROVED", c1, body="Looks right.")
    s = status(repo)
    assert s["state"] == "approved" and s["cycles"]["used"] == 0
    assert s["approvals"]["commit"] == c1
    assert [r["reviewer"] for r in s["approvals"]["valid"]] == ["rita"]
    assert s["approvals"]["at"] == repo.reviews[-1]["submitted_at"].replace("Z", "+00:00")
    assert s["label_name"] == "gate:approved"


def test_one_cycle_revise_answered_then_approved(repo: GitRepo) -> None:
    c1 = repo.design_change("first pass")
    repo.review("CHANGES_REQUESTED", c1, body="Add 404 on getNote.")
    s = status(repo)
    assert s["state"] == "revise" and s["label"] == "revise (cycle 1 of 3)"
    assert s["cycles"]["used"] == 0 and s["pending_revise"][0]["body"] == "Add 404 on getNote."
    c2 = repo.design_change("404 added")
    s = status(repo)
    assert s["state"] == "in-review"
    assert s["cycles"]["used"] == 1 and s["cycles"]["list"][0]["answered_by"] == c2
    repo.review("APPROVED", c2)
    assert status(repo)["state"] == "approved"


def test_an_answered_revise_lists_what_its_feedback_named_against_what_it_touched(
        repo: GitRepo) -> None:
    c1 = repo.design_change("first pass")
    repo.review("CHANGES_REQUESTED", c1, body=(
        "Add a 404 on getNote, and `notes.body` must not be null."))
    edit(repo.design / "tables" / "notes.yaml", "{name: body, type: text}",
         "{name: body, type: text, nullable: false, default: \"''\"}")
    edit(repo.design / "auth.yaml", "    permissions: [notes:read]\n",
         "    permissions: [notes:read, notes:write]\n")
    c2 = repo.commit("Design: body required; readers write")
    s = status(repo)
    assert s["cycles"]["used"] == 1 and s["cycles"]["list"][0]["answered_by"] == c2
    [rev] = s["revisions"]
    assert rev["cycle"] == 1 and rev["reviewed"] == c1 and rev["answer"] == "head"
    assert rev["named"]["items"] == ["GET /notes/{noteId}", "table notes"]
    assert set(rev["named"]["areas"]) == {"API contract", "Database"}
    # a reader gaining notes:write widens access to the endpoints that need it
    assert set(rev["touched"]["items"]) == {"table notes", "role reader", "POST /notes",
                                            "PATCH /notes/{noteId}"}
    assert set(rev["touched"]["files"]) == {"design/tables/notes.yaml", "design/auth.yaml"}
    assert rev["addressed"] == ["table notes"]
    assert rev["not_touched"] == ["GET /notes/{noteId}", "API contract"]
    assert rev["beyond_feedback"] == ["Auth and permissions"]
    text = run("gate", "status", "design", "--base", "main", "--reviews",
               repo.write_reviews()).stdout
    assert "named, not touched: GET /notes/{noteId}, API contract" in text
    assert "touched beyond the feedback: Auth and permissions" in text
    comment = run("gate", "status", "design", "--base", "main", "--reviews",
                  repo.write_reviews(), "--format", "markdown").stdout
    assert "touched beyond the feedback: Auth and permissions" in comment
    # a second REVISE reviews the answer: the first cycle's revision ends there
    repo.review("CHANGES_REQUESTED", c2, body="Readers must not write.")
    edit(repo.design / "auth.yaml", "    permissions: [notes:read, notes:write]\n",
         "    permissions: [notes:read]\n")
    repo.commit("Design: readers read")
    first, second = status(repo)["revisions"]
    assert first["answer"] == c2 and first["beyond_feedback"] == ["Auth and permissions"]
    assert second["named"]["items"] == ["role reader"] and second["addressed"] == ["role reader"]
    assert second["not_touched"] == [] and second["beyond_feedback"] == []


@pytest.mark.parametrize("cycles", [2, 3])
def test_cycles_are_counted_and_the_third_escalates(repo: GitRepo, cycles: int) -> None:
    commit = repo.design_change("start")
    for n in range(cycles):
        repo.review("CHANGES_REQUESTED", commit, body=f"round {n + 1}")
        commit = repo.design_change(f"answer {n + 1}")
    result = run("gate", "status", "design", "--base", "main", "--reviews", repo.write_reviews())
    s = status(repo)
    assert s["cycles"]["used"] == cycles
    if cycles < 3:
        assert s["state"] == "in-review" and result.exit_code == 0
        assert not [f for f in s["findings"] if f["rule"] == "G003"]
    else:
        assert s["state"] == "escalated" and result.exit_code == 1
        assert "escalated to @notes/orchestrator" in result.stdout
        g003 = [f for f in s["findings"] if f["rule"] == "G003"]
        project = repo.design / "project.yaml"
        assert g003 and g003[0]["file"] == "design/project.yaml"
        assert g003[0]["line"] == line_of(project, "max_revision_cycles")


def test_settings_come_from_the_base_branch_and_escalation_holds(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "main")
    edit(repo.design / "project.yaml", "max_revision_cycles: 3", "max_revision_cycles: 1")
    edit(repo.design / "project.yaml", "required_approvals: 1", "required_approvals: 2")
    edit(repo.design / "project.yaml", '  orchestrator: "@notes/orchestrator"',
         '  orchestrator: "@notes/orchestrator"\n  orchestrator_logins: [olga]')
    repo.commit("Design: gate settings")
    repo.git("checkout", "-q", "-B", "feature/design")
    # the pull request raises its own bar away: that does not count
    edit(repo.design / "project.yaml", "max_revision_cycles: 1", "max_revision_cycles: 9")
    edit(repo.design / "project.yaml", "required_approvals: 2", "required_approvals: 1")
    c1 = repo.commit("Design: a looser gate")
    repo.review("CHANGES_REQUESTED", c1)
    c2 = repo.design_change("answer")
    repo.review("APPROVED", c2, user="rita")
    s = status(repo)
    assert s["cycles"]["max"] == 1 and s["approvals"]["required"] == 2
    assert s["state"] == "escalated"
    repo.review("APPROVED", c2, user="sam")
    s = status(repo)  # two approvals are shown, but do not clear the escalation
    assert s["state"] == "escalated" and len(s["approvals"]["valid"]) == 2
    assert any("does not clear the escalation" in r for r in s["reasons"])
    repo.review("APPROVED", c2, user="olga")  # the orchestrator decides
    s = status(repo)
    assert s["state"] == "approved"
    assert "escalation decided by olga" in s["reasons"]


def test_two_revise_reviews_of_one_commit_are_one_cycle(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("CHANGES_REQUESTED", c1, user="rita", body="rename")
    repo.review("CHANGES_REQUESTED", c1, user="sam", body="paginate")
    repo.design_change("both fixed")
    s = status(repo)
    assert s["cycles"]["used"] == 1
    assert {r["reviewer"] for r in s["cycles"]["list"][0]["reviews"]} == {"rita", "sam"}


def test_revise_without_a_design_commit_after_it_is_no_cycle(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("CHANGES_REQUESTED", c1, body="please fix")
    repo.other_change("readme only")  # outside design/: does not answer
    s = status(repo)
    assert s["cycles"]["used"] == 0 and s["state"] == "revise"
    assert s["label"] == "revise (cycle 1 of 3)"


def test_commits_outside_design_do_not_count(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("APPROVED", c1)
    repo.other_change("typo in README")
    s = status(repo)
    assert s["state"] == "approved"  # still the approved design


def test_an_approval_goes_stale_when_the_design_changes(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("APPROVED", c1)
    repo.design_change("after approval")
    s = status(repo)
    assert s["state"] == "in-review"
    assert [r["reviewer"] for r in s["approvals"]["stale"]] == ["rita"]
    assert any("design changed after the approval of rita" in r for r in s["reasons"])


def test_comments_do_not_count_and_dismissed_reviews_clear(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("COMMENTED", c1, body="nit")
    repo.review("CHANGES_REQUESTED", c1, body="no")
    repo.review("DISMISSED", c1)
    s = status(repo)
    assert s["state"] == "in-review" and s["pending_revise"] == []


# --- interventions -------------------------------------------------------------------------

RECORD = "---\nphase: {phase}\nurgency: {urgency}\n---\n# {title}\n\nBody.\n"


def _record(repo: GitRepo, state: str, name: str, urgency: str, phase: str = "04-backend-design",
            title: str = "Due times") -> str:
    rel = f"human-interventions/{state}/{name}/content.md"
    repo.commit(f"Intervention {name}",
                {rel: RECORD.format(phase=phase, urgency=urgency, title=title)})
    return rel


def test_immediate_intervention_halts(repo: GitRepo) -> None:
    c1 = repo.design_change("x")
    repo.review("APPROVED", c1)
    rel = _record(repo, "active", "2026-03-02-stop", "immediate")
    s = status(repo)
    assert s["state"] == "halted" and s["label_name"] == "gate:halted"
    assert [(f["rule"], f["file"], f["line"]) for f in s["findings"]] == [("G001", rel, 1)]


def test_end_of_phase_intervention_blocks_approval_until_processed(repo: GitRepo) -> None:
    c1 = repo.design_change("x")
    repo.review("APPROVED", c1)
    rel = _record(repo, "active", "2026-03-02-due-times", "end-of-phase")
    s = status(repo)
    assert s["state"] == "in-review"
    assert [(f["rule"], f["file"]) for f in s["findings"]] == [("G002", rel)]
    repo.git("mv", "human-interventions/active", "human-interventions/processed")
    repo.commit("Intervention processed")
    s = status(repo)
    assert s["state"] == "approved"
    assert [(i["title"], i["processed"]) for i in s["interventions"]] == [("Due times", True)]
    md = run("gate", "status", "design", "--base", "main", "--reviews", repo.write_reviews(),
             "--format", "markdown").stdout
    assert "- Processed: Due times" in md


def test_other_phases_are_ignored_and_bad_records_are_findings(repo: GitRepo) -> None:
    _record(repo, "active", "other", "immediate", phase="02-product-design")
    rel = "human-interventions/active/broken.md"
    repo.commit("bad", {rel: "---\nphase: all\nurgency: [later\n---\n"})
    s = status(repo)
    assert s["state"] != "halted"
    assert [(f["rule"], f["file"], f["line"]) for f in s["findings"]] == [("G005", rel, 3)]


def test_handoff_no_go_halts(repo: GitRepo) -> None:
    (repo.design / "prd.yaml").unlink()
    repo.commit("Design: no PRD")
    s = status(repo)
    assert s["state"] == "halted" and s["findings"][0]["rule"] == "H001"


# --- approved baseline and contract changes ----------------------------------------------


def _approve_locally(repo: GitRepo) -> None:
    result = run("gate", "record", "approve", "--reviewer", "Rita <rita@example.com>")
    assert result.exit_code == 0, result.output


def test_post_approval_contract_change_needs_an_intervention_record(repo: GitRepo) -> None:
    _approve_locally(repo)
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert s["state"] == "approved" and s["baseline"]["reviewers"] == ["Rita <rita@example.com>"]
    # A reworded summary breaks nobody: listed, not blocking.
    edit(repo.design / "api" / "notes.yaml", "summary: List", "summary: Page through")
    repo.commit("Design: reword")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert [f["rule"] for f in s["findings"]] == []
    assert s["contract_changes"] == []  # a summary is documentation: no check reports it
    # Lowering a page size breaks clients that ask for more: G004 until a record covers it.
    api = repo.design / "api" / "notes.yaml"
    edit(api, "max_page_size: 100", "max_page_size: 50")
    repo.commit("Design: smaller pages")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert [f["rule"] for f in s["findings"]] == ["G004"]
    ids = [c["id"] for c in s["contract_changes"] if c["level"] == "breaking"]
    assert "pagination-max-page-size-decreased" in ids
    g004 = s["findings"][0]
    assert (g004["file"], g004["line"]) == ("design/api/notes.yaml",
                                            line_of(api, "max_page_size: 50"))
    drafted = run("intervention", "new", "--api-update", "--date", "2026-03-03")
    assert drafted.exit_code == 0, drafted.output
    record = repo.path / "human-interventions/active/2026-03-03-04-api-update/content.md"
    text = record.read_text(encoding="utf-8")
    assert "| breaking | `pagination-max-page-size-decreased` | GET /notes: maximum page " \
           "size lowered from 100 to 50 |" in text
    assert "## What the breaking changes reach" in text and "FR-" in text
    assert "notify: [06-backend-implementation, 07-integration]" in text
    assert run("intervention", "new", "--api-update", "--date", "2026-03-03").exit_code == 2
    assert "covers: sha256:" in text
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert [f["rule"] for f in s["findings"]] == ["G004"]  # a draft not committed: no record
    repo.commit("Intervention: api update")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert [f["rule"] for f in s["findings"]] == []
    md = run("gate", "status", "--format", "markdown").stdout
    assert "**Changes since the approved baseline" in md
    assert "`pagination-max-page-size-decreased`" in md
    # a later breaking change is not what the record covers
    edit(api, "max_page_size: 50", "max_page_size: 40")
    repo.commit("Design: smaller still")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert [f["rule"] for f in s["findings"]] == ["G004"]


def test_record_revise_and_approve_trailers_count_cycles(repo: GitRepo) -> None:
    assert run("gate", "record", "revise").exit_code == 2  # feedback required
    assert run("gate", "record", "revise", "-m", "Split the task schema").exit_code == 0
    repo.design_change("split")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert s["review_source"] == "git trailers"
    assert s["cycles"]["used"] == 1
    assert s["cycles"]["list"][0]["reviews"][0]["body"] == "Split the task schema"
    log = repo.git("log", "-1", "--format=%B", "HEAD~1")
    assert "Design-Gate: revise" in log and "Design-Gate-Reviewer: Ada Architect" in log


def test_markdown_package_escapes_review_text(repo: GitRepo) -> None:
    c1 = repo.design_change("x")
    repo.review("CHANGES_REQUESTED", c1, body="<script>alert(1)</script> @everyone [x](javascript:y)")
    md = run("gate", "status", "design", "--base", "main", "--reviews", repo.write_reviews(),
             "--format", "markdown").stdout
    assert md.startswith("<!-- designgate:gate -->")
    assert "BACKEND DESIGN IN REVISION — CYCLE 1 OF 3" in md  # not "COMPLETE" in revise
    assert "COMPLETE" not in md
    assert "<script>" not in md
    # a backslash does not stop GitHub's mentions: a word joiner does
    assert "\\<script\\>alert(1)\\</script\\> @\u2060everyone \\[x\\](javascript:y)" in md
    assert "@everyone" not in md


# --- errors --------------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from support import copy_scaffold

    copy_scaffold(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert "is not inside a git repository" in one_error(run("gate", "status"))


def test_missing_base_ref_and_detached_head(repo: GitRepo) -> None:
    assert "base ref 'origin/main' is not a commit" in one_error(
        run("gate", "status", "--base", "origin/main"))
    repo.git("checkout", "-q", "--detach")
    assert "HEAD is detached" in one_error(run("gate", "status"))
    assert run("gate", "status", "--base", "main").exit_code == 0
    assert "HEAD is detached" in one_error(run("gate", "record", "approve"))


def test_shallow_clone_is_detected(repo: GitRepo, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        repo.design_change(f"c{n}")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature/design",
                    f"file://{repo.path}", str(clone)], check=True, capture_output=True)
    monkeypatch.chdir(clone)
    line = one_error(run("gate", "status"))
    assert "shallow" in line and "fetch-depth: 0" in line


def test_bad_review_file(repo: GitRepo, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"state\": \"APPROVED\"", encoding="utf-8")
    assert "invalid JSON" in one_error(run("gate", "status", "--reviews", bad))
    bad.write_text(json.dumps([{"state": "APPROVED", "submitted_at": "2026-01-01T00:00:00Z"}]),
                   encoding="utf-8")
    assert "missing user.login" in one_error(run("gate", "status", "--reviews", bad))


# --- history read as facts -------------------------------------------------------------------


def test_commit_messages_with_separators_do_not_shift_the_history(repo: GitRepo) -> None:
    c1 = repo.commit("Design: a\x1eb\x1fc | d", {"design/project.yaml": "+# one\n"})
    repo.review("CHANGES_REQUESTED", c1, body="again")
    repo.commit("Docs: \x1f design/project.yaml", {"README.md": "+x\n"})  # no design change
    s = status(repo)
    assert (s["state"], s["cycles"]["used"]) == ("revise", 0)
    c3 = repo.commit("Design: \x1e", {"design/project.yaml": "+# two\n"})
    s = status(repo)
    assert s["cycles"]["used"] == 1 and s["cycles"]["list"][0]["answered_by"] == c3


def test_a_non_ascii_file_name_is_a_design_change(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("APPROVED", c1)
    assert status(repo)["state"] == "approved"
    repo.commit("Design: notes", {"design/entwürfe/ärger.md": "notes\n"})  # git quotes it
    s = status(repo)
    assert s["state"] == "in-review" and [r["reviewer"] for r in s["approvals"]["stale"]] == ["rita"]


def test_a_merge_commit_that_deletes_an_endpoint_makes_an_approval_stale(repo: GitRepo) -> None:
    repo.design_change("first")
    repo.branch("side")
    notes = repo.design / "api" / "notes.yaml"
    text = notes.read_text(encoding="utf-8")
    notes.write_text(text[:text.index("  - id: deleteNote")], encoding="utf-8")
    repo.commit("Design: drop DELETE /notes/{noteId} on a side branch")
    repo.git("checkout", "-q", "feature/design")
    c2 = repo.other_change("readme")
    repo.review("APPROVED", c2)
    assert status(repo)["state"] == "approved"
    repo.tick()
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")
    s = status(repo)
    assert s["state"] == "in-review" and s["approvals"]["stale"]


def test_an_amend_or_a_rebase_with_the_same_content_keeps_the_count(repo: GitRepo) -> None:
    c1 = repo.design_change("first")
    repo.review("CHANGES_REQUESTED", c1, body="fix")
    repo.tick()
    repo.git("commit", "-q", "--amend", "-m", "Design: first, reworded")  # same tree
    s = status(repo)
    assert (s["state"], s["cycles"]["used"]) == ("revise", 0)  # nothing answered the REVISE
    repo.tick()
    repo.git("rebase", "-q", "--force-rebase", "main")  # new ids and dates, same content
    s = status(repo)
    assert (s["state"], s["cycles"]["used"]) == ("revise", 0)
    repo.design_change("fixed")
    assert status(repo)["cycles"]["used"] == 1
    repo.tick()
    repo.git("commit", "-q", "--amend", "-m", "Design: fixed, reworded")
    # the branch rebuilt as one commit (the old ones stay in this repository, as they do on
    # the review host): the REVISE of c1 still matches by its design content
    repo.git("reset", "-q", "--soft", "main")
    repo.commit("Design: all in one")
    s = status(repo)
    assert s["cycles"]["used"] == 1 and s["state"] == "in-review"


# --- interventions that would be lost ------------------------------------------------------


def test_misfiled_intervention_records_are_findings(repo: GitRepo) -> None:
    root = repo.path / "human-interventions"
    front = "---\nphase: {phase}\nurgency: immediate\n---\n# Stop\n"
    (root / "active" / "empty-folder").mkdir(parents=True)
    (root / "active" / "loud.MD").write_text(front.format(phase="04-backend-design"))
    (root / "active" / "plain.txt").write_text(front.format(phase="04-backend-design"))
    (root / "active" / "typo.md").write_text(front.format(phase="04-backend-desing"))
    (root / "active" / "letter.md").write_text(front.format(phase="O4-backend-design"))
    (root / "active" / "later.md").write_text(front.format(phase="06-backend-implementation"))
    (root / "activ").mkdir()
    s = status(repo)
    found = {(f["file"], f["rule"]) for f in s["findings"]}
    assert found == {(f"human-interventions/{p}", "G005") for p in (
        "active/empty-folder", "active/loud.MD", "active/plain.txt", "active/typo.md",
        "active/letter.md", "activ")}
    messages = " ".join(f["message"] for f in s["findings"])
    assert "rename it to loud.md" in messages and "did you mean active/?" in messages
    assert "did you mean 04-backend-design?" in messages


def test_the_package_says_who_wrote_what(repo: GitRepo) -> None:
    c1 = repo.design_change("x")
    repo.review("CHANGES_REQUESTED", c1, body="First point.\n\n- second point\n- third")
    repo.design_change("y")
    md = run("gate", "status", "design", "--base", "main", "--reviews", repo.write_reviews(),
             "--format", "markdown").stdout
    assert "  - rita wrote:\n    > First point.\n    >\n    > - second point\n    > - third" in md
    assert "- [ ] Integration Points Specification" in md  # the scaffold declares none


def test_the_orchestrator_records_a_decision_locally(repo: GitRepo) -> None:
    edit(repo.design / "project.yaml", "max_revision_cycles: 3", "max_revision_cycles: 1")
    repo.commit("Design: one cycle")
    run("gate", "record", "revise", "-m", "rename it", "--reviewer", "Rita <rita@x>")
    repo.design_change("renamed")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert s["state"] == "escalated"
    assert run("gate", "record", "stop", "--reviewer", "@nobody").exit_code == 2  # needs -m
    result = run("gate", "record", "continue", "--reviewer", "@somebody", "-m", "go on")
    assert result.exit_code == 0, result.output
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert s["state"] == "escalated"  # not the orchestrator: not counted
    assert any("not by the orchestrator" in x["reason"] for x in s["not_counted"])
    run("gate", "record", "continue", "--reviewer", "@notes/orchestrator", "-m", "one more")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert s["state"] != "escalated" and s["escalation"]["budget"] == 2


def test_without_a_base_reviews_of_one_design_content_are_one_cycle(repo: GitRepo) -> None:
    repo.design_change("first")
    run("gate", "record", "revise", "-m", "one", "--reviewer", "Rita <rita@x>")
    repo.other_change("readme only")
    run("gate", "record", "revise", "-m", "two", "--reviewer", "Sam <sam@x>")
    s = json.loads(run("gate", "status", "--format", "json").stdout)  # no --base, no baseline
    assert (s["state"], s["cycles"]["used"]) == ("revise", 0)
    repo.design_change("both answered")
    s = json.loads(run("gate", "status", "--format", "json").stdout)
    assert s["cycles"]["used"] == 1 and len(s["cycles"]["list"][0]["reviews"]) == 2
