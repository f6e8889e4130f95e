"""``designgate diff`` on the example design in a real git repository: each area of the
catalog, locations at base and head, impact, fingerprints, acknowledgements, formats and
exit codes. Expectations are written from the edit made, never read back from the tool."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from designgate.cli.main import cli
from support import REPO, edit, golden, line_of


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True, env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root),
                                          "PATH": "/usr/bin:/bin"}).stdout


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example design committed in a fresh repository; the working directory is it."""
    shutil.copytree(REPO / "design", tmp_path / "design")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "-c", "user.name=a", "-c", "user.email=a@x", "add", "-A")
    git(tmp_path, "-c", "user.name=a", "-c", "user.email=a@x", "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "design"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", "design", *args])


def changes(*args: str, code: int | None = None) -> list[dict[str, Any]]:
    result = run("--base", "main", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    if code is not None:
        assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["failed"] == (result.exit_code == 1)
    return data["changes"]


def by_id(found: list[dict[str, Any]], cid: str) -> list[dict[str, Any]]:
    return [c for c in found if c["id"] == cid]


def at(c: dict[str, Any], side: str) -> tuple[str, int]:
    return (c[side]["file"], c[side]["line"])


def test_no_change_is_clean(example: Path) -> None:
    result = run("--base", "main")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("0 breaking, 0 warnings, 0 infos")


def test_a_narrowed_request_property_breaks_with_its_lines_and_impact(example: Path) -> None:
    f = example / "schemas" / "tasks.yaml"
    line = line_of(f, "TaskCreate:")
    text = f.read_text()
    head, sep, tail = text.partition("  TaskCreate:\n")
    f.write_text(head + sep + tail.replace("maxLength: 200", "maxLength: 120", 1))
    want = line_of(f, "maxLength: 120")
    assert want > line
    found = changes(code=1)
    hit = by_id(found, "request-property-max-length-decreased")
    assert [c["subject"] for c in hit] == ["POST /tasks"]
    c = hit[0]
    assert c["level"] == "breaking" and c["before"] == 200 and c["after"] == 120
    # The title property of TaskCreate, at the same line in both versions.
    assert at(c, "base")[0] == at(c, "head")[0] == "design/schemas/tasks.yaml"
    assert at(c, "head")[1] == want - 1 or at(c, "head")[1] <= want
    assert "FR-006" in c["impact"]["fr_ids"] and "tasks" in c["impact"]["tables"]
    assert "member" in c["impact"]["roles"]
    # A breaking change and no major version bump.
    assert [x["id"] for x in found if x["area"] == "version"] == ["api-major-version-not-bumped"]
    assert found[0]["level"] == "breaking"  # most severe first
    assert run("--base", "main", "--fail-on", "never").exit_code == 0


def test_bumping_the_major_version_through_the_base_path(example: Path) -> None:
    f = example / "schemas" / "tasks.yaml"
    head, sep, tail = f.read_text().partition("  TaskCreate:\n")
    f.write_text(head + sep + tail.replace("maxLength: 200", "maxLength: 120", 1))
    edit(example / "project.yaml", "/v1", "/v2")
    found = changes()
    assert by_id(found, "api-major-version-not-bumped") == []


#: The labels table's colour column, and the migration step that drops it.
LABEL_COLOR = """      - name: color
        type: varchar(7)
        nullable: false
        check: color ~ '^#[0-9a-f]{6}$'
"""
DROP_LABEL_COLOR = """  - id: "0006_drop_label_color"
    description: Labels lose their colour.
    steps:
      - drop_column:
          table: labels
          column: color
          from: {type: varchar(7), nullable: false}
    rollback: The down step adds the column back, empty.
"""


def test_the_version_policy_counts_the_api_contract_only(example: Path) -> None:
    """A role losing a permission, or an event's breaking payload change, is breaking without
    asking for a new API version (the event asks for its own); a webhook payload change asks
    for the API's."""
    edit(example / "auth.yaml", "      - labels:create\n", "")
    found = changes(code=1)
    assert by_id(found, "role-permission-removed")
    assert by_id(found, "api-major-version-not-bumped") == []
    git(example.parent, "checkout", "-q", "--", "design")
    events = example / "schemas" / "events.yaml"
    edit(events, "required: [invitation_id, workspace_id, email, accept_url, expires_at]",
         "required: [invitation_id, workspace_id, email, accept_url]")
    edit(events, """      expires_at:
        type: string
        format: date-time
        maxLength: 64
        description: When the invitation expires (shown in the email).
""", "")
    found = changes(code=1)
    assert by_id(found, "event-payload-property-required-removed")
    assert [c["subject"] for c in by_id(found, "event-version-not-bumped")] == [
        "event InvitationEmailRequested"]
    assert by_id(found, "api-major-version-not-bumped") == []
    integrations = example / "integrations.yaml"
    head, sep, tail = integrations.read_text().partition("  - name: InvitationEmailRequested\n")
    integrations.write_text(head + sep + tail.replace("    version: 1\n", "    version: 2\n", 1))
    found = changes(code=1)  # still breaking for its consumers, now under a new version
    assert by_id(found, "event-payload-property-required-removed")
    assert by_id(found, "event-version-not-bumped") == []
    assert by_id(found, "api-major-version-not-bumped") == []
    # A webhook's payload is part of the API (OpenAPI webhooks): it asks for the API version.
    git(example.parent, "checkout", "-q", "--", "design")
    edit(example / "schemas" / "tasks.yaml", "enum: [todo, in_progress, in_review, done]",
         "enum: [todo, in_progress, done]")
    found = changes(code=1)
    assert by_id(found, "webhook-payload-property-enum-value-removed")
    assert len(by_id(found, "api-major-version-not-bumped")) == 1


def test_a_dropped_column_without_a_migration_and_with_one(example: Path) -> None:
    t = example / "tables" / "labels.yaml"
    edit(t, LABEL_COLOR, "")
    found = changes()
    removed = by_id(found, "column-removed")
    assert [(c["subject"], c["detail"]) for c in removed] == [("table labels", ["color"])]
    assert at(removed[0], "base") == ("design/tables/labels.yaml", 23)
    assert removed[0]["migration"] is None
    # It reaches the endpoints that read or write labels and the table whose rows reference
    # a label, not the workspace deletion that removes labels by cascade, nor every table
    # of every endpoint that touches labels.
    reach = removed[0]["impact"]
    assert reach["tables"] == ["labels", "task_labels"]
    assert "DELETE /workspaces/{workspaceId}" not in reach["endpoints"]
    assert {"GET /labels", "POST /labels"} <= set(reach["endpoints"])
    assert [c["subject"] for c in by_id(found, "schema-changed-without-migration")] == [
        "table labels"]
    m = example / "migrations.yaml"
    m.write_text(m.read_text() + DROP_LABEL_COLOR)
    found = changes()
    assert [c["migration"] for c in by_id(found, "column-removed")] == ["0006_drop_label_color"]
    assert by_id(found, "schema-changed-without-migration") == []


def test_column_type_nullability_and_default(example: Path) -> None:
    t = example / "tables" / "labels.yaml"
    edit(t, "type: varchar(40)", "type: varchar(20)")
    edit(t, "type: varchar(7)", "type: text")
    edit(t, """        nullable: false
        default: now()
      - name: updated_at""", """        nullable: true
      - name: updated_at""")
    found = changes()
    assert [c["detail"] for c in by_id(found, "column-type-narrowed")] == [["name"]]
    assert [c["detail"] for c in by_id(found, "column-type-widened")] == [["color"]]
    assert [c["detail"] for c in by_id(found, "column-became-nullable")] == [["created_at"]]
    assert [c["detail"] for c in by_id(found, "column-default-removed")] == [["created_at"]]


def test_a_role_losing_a_permission_narrows_the_endpoints_it_called(example: Path) -> None:
    a = example / "auth.yaml"
    edit(a, "      - labels:create\n", "")
    found = changes()
    lost = by_id(found, "role-permission-removed")
    # member loses it; admin and owner inherit from member and lose it too
    assert sorted(c["subject"] for c in lost) == ["role admin", "role member", "role owner"]
    assert [c["impact"]["roles"] for c in lost if c["subject"] == "role member"] == [["member"]]
    narrowed = by_id(found, "endpoint-access-narrowed")
    assert [c["subject"] for c in narrowed] == ["POST /labels"]
    assert narrowed[0]["level"] == "breaking"
    assert sorted(set(narrowed[0]["before"]) - set(narrowed[0]["after"])) == [
        "admin", "member", "owner"]


def test_rls_policies_tightened_loosened_or_changed(example: Path) -> None:
    a = example / "auth.yaml"
    old = "using: id = (select current_setting('app.user_id', true)::uuid) OR " \
          "is_workspace_colleague(id)"
    edit(a, old, "using: (id = (select current_setting('app.user_id', true)::uuid) OR "
         "is_workspace_colleague(id)) AND deleted_at IS NULL")
    found = changes()
    assert [c["id"] for c in found if c["id"].startswith("rls-")] == ["rls-policy-tightened"]
    edit(a, "AND deleted_at IS NULL", "OR true")
    found = changes()
    assert [c["id"] for c in found if c["id"].startswith("rls-")] == ["rls-policy-loosened"]
    edit(a, "OR is_workspace_colleague(id)) OR true", "OR is_colleague(id))")
    found = changes()
    assert [c["id"] for c in found if c["id"].startswith("rls-")] == ["rls-policy-changed"]


def test_an_upstream_change_makes_what_traces_to_it_suspect_until_touched(
        example: Path) -> None:
    prd = example / "prd.yaml"
    edit(prd, "title: File attachments", "title: File attachments up to 50 MB")
    found = changes()
    c = by_id(found, "requirement-title-changed")[0]
    assert c["subject"] == "FR-011" and c["level"] == "warning"
    assert any(s.startswith("POST /tasks/{taskId}/attachments") or "attachments" in s
               for s in c["suspects"]), c["suspects"]
    before = set(c["suspects"])
    # Re-audit one endpoint by touching it: it is no longer suspect.
    api = example / "api" / "attachments.yaml"
    suspect = next(s for s in before if s.startswith(("GET ", "POST ")))
    method, path = suspect.split(" ", 1)
    marker = f"    method: {method}\n    path: {path}\n"
    assert marker in api.read_text()
    edit_summary(api, marker)
    after = set(by_id(changes(), "requirement-title-changed")[0]["suspects"])
    assert suspect not in after and after < before


def edit_summary(api: Path, marker: str) -> None:
    """Change the summary of the endpoint that starts at ``marker``."""
    text = api.read_text()
    head, sep, tail = text.partition(marker)
    block, rest = tail.split("\n  - id:", 1) if "\n  - id:" in tail else (tail, None)
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("    summary:"):
            lines[i] = line + " (re-audited)"
            break
    block = "\n".join(lines)
    api.write_text(head + sep + block + ("\n  - id:" + rest if rest is not None else ""))


def test_fingerprints_survive_moved_lines_and_acknowledgements_use_them(example: Path) -> None:
    f = example / "schemas" / "tasks.yaml"
    head, sep, tail = f.read_text().partition("  TaskCreate:\n")
    f.write_text(head + sep + tail.replace("maxLength: 200", "maxLength: 120", 1))
    first = by_id(changes(), "request-property-max-length-decreased")[0]
    f.write_text("# a comment\n# and another\n" + f.read_text())
    moved = by_id(changes(), "request-property-max-length-decreased")[0]
    assert moved["head"]["line"] == first["head"]["line"] + 2
    assert moved["fingerprint"] == first["fingerprint"]
    # Acknowledge it (and the version policy) in the design: nothing fails any more.
    version = by_id(changes(), "api-major-version-not-bumped")[0]["fingerprint"]
    p = example / "project.yaml"
    p.write_text(p.read_text() + f"""acknowledged_changes:
  - change: "{first['fingerprint']}"
    reason: No client sends titles longer than 120 characters (checked in the logs).
  - change: "{version}"
    reason: Agreed with the two client teams; no version bump for this one.
""")
    found = changes(code=0)
    acked = by_id(found, "request-property-max-length-decreased")[0]
    assert acked["acknowledged"].startswith("No client sends")
    # Another change is not covered by that acknowledgement.
    head2, sep2, tail2 = f.read_text().partition("  TaskCreate:\n")
    f.write_text(head2 + sep2 + tail2.replace("maxLength: 120", "maxLength: 100", 1))
    again = by_id(changes(code=1), "request-property-max-length-decreased")[0]
    assert again["acknowledged"] is None and again["fingerprint"] != first["fingerprint"]


def test_head_ref_reads_git_and_leaves_the_working_tree_alone(example: Path) -> None:
    root = example.parent
    edit(example / "auth.yaml", "      - labels:create\n", "")
    git(root, "-c", "user.name=a", "-c", "user.email=a@x", "commit", "-qam", "drop")
    git(root, "checkout", "-q", "HEAD~1", "--", "design")  # the working tree is the base again
    status_before = git(root, "status", "--porcelain")
    # main moved to the commit that drops it: against it, the working tree gains it back
    assert {c["id"] for c in changes(code=0)} >= {"role-permission-added",
                                                   "endpoint-access-widened"}
    result = run("--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    assert result.exit_code == 1
    ids = {c["id"] for c in json.loads(result.stdout)["changes"]}
    assert "role-permission-removed" in ids
    assert git(root, "status", "--porcelain") == status_before


def test_bad_refs_and_no_baseline_are_one_line_errors(example: Path) -> None:
    for args in (["--base", "nope"], ["--base", "approved"], ["--base", "main", "--head", "x"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert result.output.startswith("designgate: error: ")


def test_markdown_is_most_severe_first_collapsed_and_cannot_ping(example: Path) -> None:
    f = example / "schemas" / "tasks.yaml"
    edit(f, "enum: [todo, in_progress, in_review, done]", "enum: [todo, done, '@team #12']")
    result = run("--base", "main", "--format", "markdown")
    assert result.exit_code == 1
    text = result.stdout
    assert "<details><summary>" in text and "</details>" in text
    assert "@team" not in text and "#12" not in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    levels = [r.split("|")[1].strip().split()[-1] for r in rows if "Level" not in r]
    order = {"breaking": 0, "warning": 1, "info": 2}
    first_table = levels[:10]
    assert first_table == sorted(first_table, key=order.__getitem__)
    assert levels[0] == "breaking"


def test_github_and_sarif(example: Path) -> None:
    edit(example / "auth.yaml", "      - labels:create\n", "")
    result = run("--base", "main", "--format", "github")
    assert "::error file=design/auth.yaml" in result.stdout or "::error file=design/" in \
        result.stdout
    sarif = json.loads(run("--base", "main", "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert results and all("designgateChange/v1" in r["partialFingerprints"] for r in results)
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} == rules


def test_explain_covers_change_checks() -> None:
    result = CliRunner().invoke(cli, ["explain", "request-property-removed"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# request-property-removed")
    assert "oasdiff" in result.stdout


def _review_edits(example: Path) -> None:
    """One change of each area on the example: a request property narrowed, a response enum
    widened, a column dropped by a migration step, a role losing a permission and a
    requirement retitled."""
    f = example / "schemas" / "tasks.yaml"
    head, sep, tail = f.read_text().partition("  TaskCreate:\n")
    f.write_text(head + sep + tail.replace("maxLength: 200", "maxLength: 120", 1))
    edit(f, "enum: [todo, in_progress, in_review, done]",
         "enum: [todo, in_progress, in_review, blocked, done]")
    edit(example / "tables" / "labels.yaml", LABEL_COLOR, "")
    m = example / "migrations.yaml"
    m.write_text(m.read_text() + DROP_LABEL_COLOR)
    edit(example / "auth.yaml", "      - labels:create\n", "")
    edit(example / "prd.yaml", "title: File attachments", "title: File attachments up to 50 MB")


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_golden_output(example: Path, fmt: str) -> None:
    """The whole report of one review, in the documented JSON and in the PR-comment Markdown,
    as reviewed files: a change to either format shows up as a diff of them."""
    _review_edits(example)
    result = run("--base", "main", "--format", fmt)
    assert result.exit_code == 1, result.output
    golden(f"diff-example.{'json' if fmt == 'json' else 'md'}", result.stdout,
           "tests/test_diff.py")
