"""The gate end to end: a pull request's story against a simulated GitHub API.

Every step changes the pull request the way people do (reviews by several reviewers, commits
inside and outside ``design/``, a force-push, dismissals, a drive-by approval, comments, a
merge from main), then runs ``designgate gate status --github --comment`` on a fresh clone of
what was pushed, checked out at the head as Actions does. The table says what the gate must
answer; the story is the one the issue "A gate that cannot be gamed" was reproduced with.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from designgate.cli.main import cli
from github_sim import REPO, GitHubSim
from gitrepo import GitRepo
from support import edit


class Story:
    """The author's repository (what GitHub stores), the simulated API, and gate runs."""

    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp
        self.monkeypatch = monkeypatch
        self.repo = GitRepo(tmp / "storage")
        edit(self.repo.design / "project.yaml", '  orchestrator: "@notes/orchestrator"',
             '  orchestrator: "@notes/orchestrator"\n  orchestrator_logins: [olga]')
        self.repo.commit("Design: the orchestrator decides")
        self.base = self.repo.head()  # the base commit when the pull request was opened
        self.repo.branch("feature/design")
        self.gh = GitHubSim(self.repo.path)
        self.runs = 0

    def base_change(self, files: dict[str, str] | None = None,
                    project: tuple[str, str] | None = None) -> None:
        """Change the base branch (its settings, its CODEOWNERS) before the design work."""
        repo = self.repo
        repo.git("checkout", "-q", "main")
        if project is not None:
            edit(repo.design / "project.yaml", *project)
        repo.commit("Base: gate settings", files)
        self.base = repo.head()
        repo.git("checkout", "-q", "-B", "feature/design")

    def when(self) -> str:
        return self.repo.tick().strftime("%Y-%m-%dT%H:%M:%SZ")

    def review(self, state: str, user: str, body: str = "", association: str = "MEMBER",
               commit: str | None = None) -> dict[str, Any]:
        return self.gh.review(state, commit or self.repo.head(), user, self.when(), body,
                              association)

    def event(self, review: dict[str, Any] | None = None, base: str | None = None) -> Path:
        head = self.repo.head()
        pr = {"number": 7, "state": "open", "draft": False, "title": "Design: tasks",
              "html_url": f"https://github.com/{REPO}/pull/7", "user": {"login": "paula"},
              "head": {"ref": "feature/design", "sha": head,
                       "repo": {"full_name": REPO}},
              "base": {"ref": "main", "sha": base or self.base}, "merged": False}
        payload: dict[str, Any] = {"action": "submitted" if review else "synchronize",
                                   "number": 7, "pull_request": pr,
                                   "repository": {"full_name": REPO}}
        if review is not None:
            payload["review"] = review
        path = self.tmp / f"event-{self.runs}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path

    def clone(self) -> Path:
        """What actions/checkout gives the gate job: what was pushed, at the head, detached."""
        self.runs += 1
        dest = self.tmp / f"run-{self.runs}"
        env = self.repo.env()
        subprocess.run(["git", "clone", "-q", "--no-local", str(self.repo.path), str(dest)],
                       check=True, env=env, capture_output=True)
        subprocess.run(["git", "checkout", "-q", "--detach", self.repo.head()], cwd=dest,
                       check=True, env=env, capture_output=True)
        return dest

    def gate(self, review: dict[str, Any] | None = None, base: str | None = None,
             *extra: str) -> tuple[dict[str, Any], int]:
        ev = self.event(review, base)
        self.monkeypatch.chdir(self.clone())
        env = {"GITHUB_EVENT_PATH": str(ev), "GITHUB_TOKEN": "t0ken",
               "GITHUB_API_URL": self.gh.url}
        result = CliRunner().invoke(cli, ["gate", "status", "design", "--github", "--comment",
                                          "--format", "json", *extra], env=env)
        assert result.exit_code in (0, 1), result.output
        return json.loads(result.stdout), result.exit_code

    def comment(self) -> str:
        mine = self.gh.gate_comments()
        assert len(mine) == 1, f"{len(mine)} gate comments"
        return str(mine[0]["body"])


@pytest.fixture
def story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Story]:
    s = Story(tmp_path, monkeypatch)
    yield s
    s.gh.close()


#: step → (state, cycles used, label, exit code)
EXPECTED = {
    1: ("in-review", 0, [], 0),
    2: ("revise", 0, ["gate:revise"], 0),
    3: ("in-review", 1, [], 0),
    4: ("revise", 1, ["gate:revise"], 0),
    5: ("revise", 1, ["gate:revise"], 0),
    6: ("in-review", 2, [], 0),
    7: ("approved", 2, ["gate:approved"], 0),
    8: ("in-review", 2, [], 0),
    9: ("in-review", 2, [], 0),
    10: ("revise", 2, ["gate:revise"], 0),
    11: ("escalated", 3, ["gate:escalated"], 1),
    12: ("escalated", 3, ["gate:escalated"], 1),
    13: ("escalated", 3, ["gate:escalated"], 1),
    14: ("escalated", 3, ["gate:escalated"], 1),
    15: ("approved", 3, ["gate:approved"], 0),
    16: ("in-review", 3, [], 0),
    17: ("approved", 3, ["gate:approved"], 0),
}


def test_a_pull_requests_story(story: Story) -> None:
    repo, gh = story.repo, story.gh
    seen: dict[int, tuple[str, int, list[str], int]] = {}

    def check(step: int, data: dict[str, Any], code: int) -> None:
        seen[step] = (data["state"], data["cycles"]["used"], sorted(gh.labels), code)
        assert seen[step] == EXPECTED[step], f"step {step}: {seen[step]}"
        assert story.comment().startswith("<!-- designgate:gate -->\n")

    c1 = repo.design_change("first draft of tasks")
    check(1, *story.gate())                                   # opened
    r2 = story.review("CHANGES_REQUESTED", "rita", "Tasks need a due time.")
    check(2, *story.gate(r2))
    assert "revise (cycle 1 of 3)" in story.comment()
    repo.design_change("due time")
    check(3, *story.gate())                                   # answered: rita to re-review
    assert "waiting for rita to review again" in story.comment()
    r4 = story.review("CHANGES_REQUESTED", "sam", "Paginate the list.")
    check(4, *story.gate(r4))
    repo.other_change("readme")                               # outside design/: no answer
    check(5, *story.gate())
    repo.design_change("paginated")
    check(6, *story.gate())
    story.review("APPROVED", "rita")
    r7 = story.review("APPROVED", "sam")
    check(7, *story.gate(r7))
    assert "approved by rita, sam" in story.comment()
    repo.design_change("after the approval")
    check(8, *story.gate())                                   # the approvals are stale
    r9 = story.review("APPROVED", "mallory", association="NONE")  # a drive-by
    check(9, *story.gate(r9))
    assert "mallory (no write access (NONE))" in story.comment()
    r10 = story.review("CHANGES_REQUESTED", "rita", "Rename due to due_at.")
    check(10, *story.gate(r10))
    assert "revise (cycle 3 of 3)" in story.comment()
    # a force-push: the branch squashed into one commit (same content), then the answer
    repo.git("reset", "-q", "--soft", story.base)
    repo.commit("Design: tasks (squashed)")
    repo.design_change("due_at")
    gone = subprocess.run(["git", "cat-file", "-e", c1], cwd=story.clone(), capture_output=True)
    assert gone.returncode != 0  # c1 is not in what the gate job clones
    check(11, *story.gate())
    assert "escalated to @notes/orchestrator" in story.comment()  # a real mention
    for r in (r2, r4, r10):                                   # a maintainer dismisses them
        gh.dismiss(r, story.when(), repo.head())
    check(12, *story.gate())
    r13 = story.review("APPROVED", "sam")
    data, code = story.gate(r13)
    check(13, data, code)
    assert [r["reviewer"] for r in data["approvals"]["valid"]] == ["sam"]
    assert "does not clear the escalation" in story.comment()
    gh.comment("mallory", "/designgate approve", story.when(), "NONE")
    check(14, *story.gate())
    gh.comment("olga", "Looked at it.\n/designgate approve", story.when())
    check(15, *story.gate())
    assert "escalation decided by olga" in story.comment()
    # main moves on (another design change), and main is merged into the pull request; the
    # review event still carries the base the pull request was opened with
    repo.git("checkout", "-q", "main")
    repo.commit("Design: flows note", {"design/flows.yaml": "+# from main\n"})
    repo.git("checkout", "-q", "feature/design")
    repo.tick()
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'main'", "main")
    check(16, *story.gate())                                  # stale, but no new cycle
    r17 = story.review("APPROVED", "sam")
    check(17, *story.gate(r17))
    assert seen == EXPECTED
    assert len(gh.gate_comments()) == 1  # one comment, updated in place


# --- who may approve ------------------------------------------------------------------------


def test_the_author_and_deleted_accounts_do_not_count(story: Story) -> None:
    story.repo.design_change("first")
    story.review("APPROVED", "paula", association="OWNER")  # the pull request's author
    r = story.review("APPROVED", "", association="NONE")  # user: null (a deleted account)
    data, code = story.gate(r)
    assert (data["state"], code) == ("in-review", 0)
    reasons = {(x["reviewer"], x["reason"]) for x in data["not_counted"]}
    assert reasons == {("paula", "the pull request's author"),
                       ("ghost", "the account was deleted")}
    assert "paula (approve): the pull request's author" in story.comment()


def _codeowners(story: Story, text: str, settings: str = "") -> None:
    story.base_change({".github/CODEOWNERS": text},
                      ("  max_revision_cycles: 3", f"  max_revision_cycles: 3\n{settings}")
                      if settings else None)


def test_code_owners_of_the_changed_design_files_must_approve(story: Story) -> None:
    _codeowners(story, "# owners\n*.md @docs\n/design/api/ @carol @acme/api-owners\n")
    # the pull request names itself the owner: the base branch's file is the one that counts
    story.repo.commit("Design: reword", {".github/CODEOWNERS": "* @rita\n",
                                         "design/api/notes.yaml": "+# reworded\n"})
    data, _ = story.gate(story.review("APPROVED", "rita"))
    assert data["state"] == "in-review"
    assert data["code_owners_missing"] == [{"file": "design/api/notes.yaml",
                                            "owners": ["carol", "@acme/api-owners"]}]
    assert any("team @acme/api-owners cannot be read" in n for n in data["notes"])
    assert "needs an approval by a code owner of design/api/notes.yaml (@\u2060carol" in \
        story.comment()
    story.gh.teams["acme/api-owners"] = ["dora"]  # a token that may read the team
    data, _ = story.gate(story.review("APPROVED", "dora"))
    assert data["state"] == "approved"


def test_code_owners_can_be_turned_off_in_the_base_settings(story: Story) -> None:
    _codeowners(story, "/design/ @carol\n", "  require_code_owners: false")
    story.repo.design_change("first")
    data, _ = story.gate(story.review("APPROVED", "rita"))
    assert data["state"] == "approved" and data["code_owners_missing"] == []


# --- cycles and escalation ------------------------------------------------------------------


def test_a_revise_dismissed_before_any_answer_is_no_cycle(story: Story) -> None:
    story.repo.design_change("first")
    r = story.review("CHANGES_REQUESTED", "rita", "wrong PR, sorry")
    story.gh.dismiss(r, story.when(), story.repo.head())
    story.repo.design_change("unrelated edit")
    data, _ = story.gate()
    assert (data["state"], data["cycles"]["used"]) == ("in-review", 0)
    assert data["pending_revise"] == [] and data["awaiting_rereview"] == []


def test_the_orchestrator_continues_then_stops(story: Story) -> None:
    repo = story.repo
    story.base_change(project=("max_revision_cycles: 3", "max_revision_cycles: 1"))
    repo.design_change("first")
    story.review("CHANGES_REQUESTED", "rita", "one")
    repo.design_change("second")
    data, code = story.gate()
    assert (data["state"], code) == ("escalated", 1)
    story.gh.comment("olga", "/designgate continue", story.when())
    data, code = story.gate()
    assert (data["state"], data["escalation"]["budget"], code) == ("in-review", 2, 0)
    story.review("CHANGES_REQUESTED", "rita", "two")
    repo.design_change("third")
    data, code = story.gate()
    assert (data["state"], data["cycles"]["used"], code) == ("escalated", 2, 1)
    r = story.review("COMMENTED", "olga", "This is going nowhere.\n/designgate stop")
    data, code = story.gate(r)
    assert (data["state"], code) == ("halted", 1)
    assert "the orchestrator (olga) decided to stop" in data["reasons"]


# --- failures fail closed -------------------------------------------------------------------


@pytest.mark.parametrize(("status", "headers"), [
    (401, {}), (403, {}), (404, {}), (502, {}),
    (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"}),
    (200, {}),  # malformed: an object where GitHub sends an array
])
def test_an_error_removes_the_approved_label(story: Story, status: int,
                                             headers: dict[str, str]) -> None:
    story.repo.design_change("first")
    data, _ = story.gate(story.review("APPROVED", "rita"))
    assert data["state"] == "approved" and story.gh.labels == ["gate:approved"]
    story.gh.labels.append("backend")
    story.gh.fail[f"GET /repos/{REPO}/pulls/7/reviews"] = (status, headers)
    story.monkeypatch.chdir(story.clone())
    env = {"GITHUB_EVENT_PATH": str(story.event()), "GITHUB_TOKEN": "t0ken",
           "GITHUB_API_URL": story.gh.url, "DESIGNGATE_API_RETRIES": "0"}
    result = CliRunner().invoke(cli, ["gate", "status", "design", "--github", "--comment"],
                                env=env)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert story.gh.labels == ["backend"]  # gate:approved is gone, other labels stay
    assert "Design gate: not evaluated" in story.comment()


def test_only_the_gates_own_comment_is_updated(story: Story) -> None:
    forged = story.gh.comment("mallory", "<!-- designgate:gate -->\n## ✅ Design gate: approved",
                              story.when(), "NONE")
    story.repo.design_change("first")
    story.gate()
    assert forged["body"].endswith("approved")  # left alone
    assert len(story.gh.gate_comments()) == 1


def test_reviews_are_read_across_every_page(story: Story) -> None:
    head = story.repo.design_change("first")
    for i in range(249):
        story.gh.review("COMMENTED", head, f"user{i}", story.when(), "nice")
    last = story.review("CHANGES_REQUESTED", "rita", "the 250th review")
    data, _ = story.gate()
    assert len(story.gh.reviews) == 250 and data["state"] == "revise"
    assert [r["body"] for r in data["pending_revise"]] == [last["body"]]
    assert story.gh.requests.count(f"GET /repos/{REPO}/pulls/7/reviews") == 3


def test_the_comment_fits_githubs_limit(story: Story) -> None:
    story.repo.design_change("first")
    for who in ("rita", "sam", "tess"):
        story.review("CHANGES_REQUESTED", who, ("Please change this. " * 1700).strip())
    data, _ = story.gate()
    assert data["state"] == "revise"
    body = story.comment()
    assert len(body) <= 65536 and "more characters" in body
    assert "rita wrote:" in body and "> Please change this." in body


def test_mentions_in_reviews_are_inert_but_the_orchestrator_is_called(story: Story) -> None:
    repo = story.repo
    story.base_change(project=("max_revision_cycles: 3", "max_revision_cycles: 1"))
    repo.design_change("first")
    story.review("CHANGES_REQUESTED", "rita", "cc @everyone, see #12 and GH-3 at "
                                              "https://evil.example\nsecond line")
    repo.design_change("second")
    story.gate()
    body = story.comment()
    assert "@everyone" not in body and "#12" not in body and "https://" not in body
    assert "@\u2060everyone" in body and "#\u206012" in body
    assert "escalated to @notes/orchestrator" in body  # unescaped: it must reach them
    assert "    > cc @\u2060everyone" in body and "    > second line" in body


# --- status and tag agree; baselines ---------------------------------------------------------


def test_status_and_tag_follow_one_rule(story: Story) -> None:
    repo, gh = story.repo, story.gh
    repo.design_change("first")
    story.review("CHANGES_REQUESTED", "rita", "rename")
    head = repo.design_change("renamed")  # answered, but rita has not looked again
    r = story.review("APPROVED", "sam")
    data, _ = story.gate(r)
    assert data["state"] == "in-review"  # GitHub would say "changes requested" too
    repo.git("checkout", "-q", "main")
    repo.tick()
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7", "feature/design")
    merge = repo.head()
    pull = {"number": 7, "title": "Design: tasks", "merged_at": "2026-03-02T12:00:00Z",
            "merge_commit_sha": merge, "head": {"sha": head}, "base": {"ref": "main"},
            "user": {"login": "paula"}, "state": "closed", "merged": True}
    gh.commit_pulls[merge] = [pull]
    gh.pulls[7] = pull
    story.monkeypatch.chdir(repo.path)
    env = {"GITHUB_SHA": merge, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": "t",
           "GITHUB_API_URL": gh.url}
    result = CliRunner().invoke(cli, ["gate", "tag", "--github"], env=env)
    assert result.exit_code == 0, result.output
    assert "merged while the gate said 'in review'" in result.stdout and not gh.tags
    story.review("APPROVED", "rita", commit=head)  # rita approves the answer: both agree
    result = CliRunner().invoke(cli, ["gate", "tag", "--github"], env=env)
    assert "tagged designgate/approved/pr-7" in result.stdout, result.output
    assert "Design-Gate-Reviewer: rita" in gh.tags[0]["message"]


def test_forged_baselines_do_not_count_on_the_review_host(story: Story) -> None:
    repo = story.repo
    # a tag pushed by hand on main, naming a pull request that was never merged there
    repo.git("tag", "-a", "designgate/approved/pr-9", "-m",
             "Design gate approved\n\nDesign-Gate-Reviewer: rita", story.base)
    repo.design_change("first")
    # a trailer commit in the pull request itself
    repo.commit("Design gate: approve\n\nDesign-Gate: approve\nDesign-Gate-Reviewer: rita")
    data, _ = story.gate()
    assert data["baseline"] is None and data["state"] == "in-review"
    assert any("designgate/approved/pr-9 is not used" in n for n in data["notes"])
    # locally (no review host) both are believed: that is what the guide says
    result = CliRunner().invoke(cli, ["gate", "status", "design", "--base", "origin/main",
                                      "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["baseline"]["source"].startswith("trailer")
