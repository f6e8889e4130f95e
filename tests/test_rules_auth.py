"""Auth (A): endpoint permissions, roles, the auth model and RLS policies.

Each test mutates a copy of the clean scaffold and asserts the rule id, file and line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Report
from designgate.rules.auth import column_refs
from support import assert_finding, check, edit, line_of, only

AUTH = "design/auth.yaml"
API = "design/api/notes.yaml"
TABLES = "design/tables/notes.yaml"


def auth_findings(report: Report) -> list[str]:
    return [f"{f.location} {f.rule} {f.message}" for f in report.findings if f.rule[0] == "A"]


def test_clean_scaffold_has_no_auth_findings(design: Path) -> None:
    report = check(design)
    assert auth_findings(report) == []
    # The scaffold exercises the rules: inheritance, policies with expressions.
    assert report.design.roles["writer"].inherits == ["reader"]
    assert report.design.policies[0].using is not None


# --- A001 / A002 endpoint permissions ------------------------------------------------------


def test_a001_endpoint_without_permission(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "    permission: notes:read\n", "")
    report = check(design)
    f = assert_finding(report, "A001", API, line_of(api, "- id: listNotes"))
    assert "'listNotes'" in f.message


def test_a001_public_is_an_explicit_choice(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "    permission: notes:read\n", "    permission: public\n")
    report = check(design)
    assert only(report, "A001") == [] and only(report, "A002") == []


def test_a002_unknown_permission(design: Path) -> None:
    api = design / "api/notes.yaml"
    edit(api, "permission: notes:write", "permission: notes:wirte")
    report = check(design)
    f = assert_finding(report, "A002", API, line_of(api, "permission: notes:wirte"))
    assert "did you mean 'notes:write'" in f.message


# --- A010 auth model missing ------------------------------------------------------------------


def test_a010_no_auth_file(design: Path) -> None:
    (design / "auth.yaml").unlink()
    report = check(design)
    f = assert_finding(report, "A010", API, line_of(design / "api/notes.yaml", "permission:"))
    assert f.message.startswith("5 endpoint(s) are protected")
    assert len(only(report, "A010")) == 1
    assert only(report, "A002") == []  # not repeated per endpoint


def test_a010_auth_file_without_strategy(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "strategy: jwt\n", "")
    assert_finding(check(design), "A010", AUTH, line_of(auth, "kind: auth"))


def test_a010_not_when_every_endpoint_is_public(design: Path) -> None:
    (design / "auth.yaml").unlink()
    api = design / "api/notes.yaml"
    text = api.read_text(encoding="utf-8")
    for perm in ("notes:read", "notes:write", "notes:delete"):
        text = text.replace(f"permission: {perm}", "permission: public")
    api.write_text(text, encoding="utf-8")
    report = check(design)
    assert [ep.permission for ep in report.design.endpoints] == ["public"] * 5
    assert only(report, "A010") == []


# --- A003 / A004 / A009 roles and permissions ------------------------------------------------


def test_a003_role_grants_unknown_permission(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "permissions: [notes:read]", "permissions:\n      - notes:read\n      - notes:raed")
    report = check(design)
    f = assert_finding(report, "A003", AUTH, line_of(auth, "- notes:raed"))
    assert "role 'reader'" in f.message and "did you mean 'notes:read'" in f.message


def test_a004_permission_no_role_holds(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "  - {name: notes:delete, description: Delete own notes.}\n",
         "  - {name: notes:delete, description: Delete own notes.}\n"
         "  - {name: notes:share, description: Share a note.}\n")
    report = check(design)
    f = assert_finding(report, "A004", AUTH, line_of(auth, "notes:share"))
    assert "'notes:share'" in f.message


def test_a009_inherits_unknown_role(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "inherits: [reader]", "inherits: [reeder]")
    report = check(design)
    f = assert_finding(report, "A009", AUTH, line_of(auth, "inherits: [reeder]"))
    assert "did you mean 'reader'" in f.message


def test_a009_inheritance_cycle_reported_once(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "    description: May read their own notes.\n",
         "    description: May read their own notes.\n    inherits: [writer]\n")
    report = check(design)
    f = assert_finding(report, "A009", AUTH, line_of(auth, "inherits: [writer]"))
    assert "reader → writer → reader" in f.message
    assert len(only(report, "A009")) == 1


def test_a009_self_inheritance(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "inherits: [reader]", "inherits: [reader, writer]")
    report = check(design)
    f = assert_finding(report, "A009", AUTH, line_of(auth, "inherits: [reader, writer]"))
    assert "writer → writer" in f.message


# --- A005 RLS coverage ------------------------------------------------------------------------


def test_a005_user_table_without_policy(design: Path) -> None:
    auth = design / "auth.yaml"
    text = auth.read_text(encoding="utf-8")
    auth.write_text(text[: text.index("  - name: users_self_select")], encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "A005", TABLES, line_of(design / "tables/notes.yaml",
                                                      "- name: users"))
    assert "'users'" in f.message


def test_a005_reference_data_may_opt_out(design: Path) -> None:
    auth = design / "auth.yaml"
    text = auth.read_text(encoding="utf-8")
    auth.write_text(text[: text.index("  - name: users_self_select")], encoding="utf-8")
    edit(design / "tables/notes.yaml", "    description: Accounts.\n",
         "    description: Accounts.\n    user_data: false\n")
    assert only(check(design), "A005") == []


def test_a012_policies_of_a_table_rls_never_enables(design: Path) -> None:
    edit(design / "migrations.yaml", "      - enable_rls: notes\n", "")
    report = check(design)
    auth = design / "auth.yaml"
    f = assert_finding(report, "A012", "design/auth.yaml", line_of(auth, "table: notes"))
    assert f.message.startswith("table 'notes' has RLS policies but no migration enables")
    assert len(only(report, "A012")) == 1


# --- A013 permission denied by RLS ---------------------------------------------------------


SELECT_NOTES = "    table: notes\n    command: select\n    roles: [reader]"
INSERT_NOTES = "    table: notes\n    command: insert\n    roles: [writer]"


def _without(auth: Path, *names: str) -> None:
    """Drop the policies ``names`` (each a whole list item) from auth.yaml."""
    text = auth.read_text(encoding="utf-8")
    for name in names:
        start = text.index(f"  - name: {name}\n")
        nxt = text.find("\n  - name: ", start + 1)
        text = text[:start] + (text[nxt + 1:] if nxt != -1 else "")
    auth.write_text(text, encoding="utf-8")


def test_a013_a_role_that_may_read_but_no_policy_lets_it(design: Path) -> None:
    auth, api = design / "auth.yaml", design / "api/notes.yaml"
    edit(auth, SELECT_NOTES, SELECT_NOTES.replace("[reader]", "[writer]"))
    report = check(design)
    hits = only(report, "A013")
    # listNotes and getNote need notes:read, which reader holds; writer is covered.
    assert {(f.span.line, f.span.column) for f in hits if f.span} == {
        (line_of(api, "tables: [notes]", 1), 14), (line_of(api, "tables: [notes]", 3), 14)}
    f = assert_finding(report, "A013", API, line_of(api, "tables: [notes]"))
    assert f.severity.name == "WARNING"
    assert f.message == ("role 'reader' may call 'listNotes' (notes:read) but no RLS policy on "
                         "'notes' lets it select; add it to a policy of 'notes' for that, "
                         "narrow the permission, or correct `tables:`")


def test_a013_inherited_roles_and_public_count(design: Path) -> None:
    auth = design / "auth.yaml"
    # writer inherits reader: a policy for reader covers it (PostgreSQL role membership).
    edit(auth, INSERT_NOTES, INSERT_NOTES.replace("[writer]", "[reader]"))
    assert only(check(design), "A013") == []
    edit(auth, INSERT_NOTES.replace("[writer]", "[reader]"),
         INSERT_NOTES.replace("[writer]", "[public]"))
    assert only(check(design), "A013") == []
    edit(auth, INSERT_NOTES.replace("[writer]", "[public]"),
         INSERT_NOTES.replace("[writer]", "[]"))
    assert only(check(design), "A013") == []


def test_a013_a_write_endpoint_needs_a_write_policy(design: Path) -> None:
    auth, api = design / "auth.yaml", design / "api/notes.yaml"
    _without(auth, "notes_owner_insert", "notes_owner_update", "notes_owner_delete")
    report = check(design)
    hits = sorted((f.span.line, f.message) for f in only(report, "A013") if f.span)
    # createNote inserts, updateNote updates, deleteNote deletes: one finding each.
    assert [line for line, _ in hits] == [line_of(api, "tables: [notes]", n) for n in (2, 4, 5)]
    assert "'createNote'" in hits[0][1] and "lets it insert" in hits[0][1]
    assert "'updateNote'" in hits[1][1] and "lets it update" in hits[1][1]
    assert "'deleteNote'" in hits[2][1] and "lets it delete" in hits[2][1]


def test_a013_a_write_endpoint_is_checked_per_table_and_command(design: Path) -> None:
    """Any one writable table used to satisfy A013; now each table's declared access counts."""
    auth, api = design / "auth.yaml", design / "api/notes.yaml"
    _without(auth, "notes_owner_update")
    report = check(design)
    hits = [f for f in only(report, "A013") if f.span]
    assert [(f.span.line, "'updateNote'" in f.message) for f in hits] == [
        (line_of(api, "tables: [notes]", 4), True)]


def test_a013_tables_without_policies_are_a005s(design: Path) -> None:
    auth = design / "auth.yaml"
    _without(auth, "notes_owner_select", "notes_owner_insert", "notes_owner_update",
             "notes_owner_delete")
    report = check(design)
    assert only(report, "A013") == [] and only(report, "A005") != []


# --- A006 / A008 / A011 policies --------------------------------------------------------------


def test_a006_policy_unknown_role(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, SELECT_NOTES, SELECT_NOTES.replace("[reader]", "\n      - reader\n      - wirter"))
    report = check(design)
    f = assert_finding(report, "A006", AUTH, line_of(auth, "- wirter"))
    assert "did you mean 'writer'" in f.message


def test_a006_postgres_public_role_is_known(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, SELECT_NOTES, SELECT_NOTES.replace("[reader]", "[public]"))
    assert only(check(design), "A006") == []


def test_a008_policy_unknown_table(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "    table: notes\n", "    table: note\n", 4)
    report = check(design)
    f = assert_finding(report, "A008", AUTH, line_of(auth, "table: note"))
    assert "did you mean 'notes'" in f.message
    assert_finding(report, "A005", TABLES, line_of(design / "tables/notes.yaml", "- name: notes"))


def test_a011_with_check_on_select(design: Path) -> None:
    auth = design / "auth.yaml"
    auth.write_text(auth.read_text(encoding="utf-8")
                    + "    with_check: \"id = (select current_setting('app.user_id', true)::uuid)\"\n",
                    encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "A011", AUTH, line_of(auth, "with_check", 3))
    assert "rejects `with_check`" in f.message


def test_a011_using_on_insert(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "    command: update\n", "    command: insert\n")
    report = check(design)
    f = assert_finding(report, "A011", AUTH, line_of(auth, "using:", 2))
    assert "rejects `using`" in f.message


# --- A007 policy expressions ------------------------------------------------------------------


def test_a007_unknown_column_in_using(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "using: \"author_id = (select", "using: \"owner_id = (select")
    report = check(design)
    f = assert_finding(report, "A007", AUTH, line_of(auth, "owner_id"))
    assert "'owner_id' in `using`" in f.message and "table 'notes'" in f.message
    assert len(only(report, "A007")) == 1  # the other policies still read author_id


def test_a007_qualified_column_of_a_known_table(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "with_check: \"author_id =", "with_check: \"notes.auther_id =")
    report = check(design)
    f = assert_finding(report, "A007", AUTH, line_of(auth, "notes.auther_id"))
    assert "did you mean 'author_id'" in f.message


def test_a007_subquery_names_are_not_judged(design: Path) -> None:
    auth = design / "auth.yaml"
    edit(auth, "using: \"id = (select current_setting('app.user_id', true)::uuid)\"",
         "using: \"exists (select 1 from memberships m where m.user_id = id and member_role "
         "= 'admin')\"")
    assert only(check(design), "A007") == []


@pytest.mark.parametrize(
    ("expr", "refs", "subquery"),
    [
        ("author_id = current_setting('app.user_id')::uuid", [(None, "author_id")], False),
        ("created_at > now() - interval '1 day'", [(None, "created_at")], False),
        ("due_on::timestamp with time zone < current_timestamp", [(None, "due_on")], False),
        ("cast(owner as uuid) = auth.uid() AND NOT archived", [(None, "owner"),
                                                              (None, "archived")], False),
        ("\"Owner\" = E'it''s' and body ~ $$x$$ -- author\n", [(None, "Owner"),
                                                              (None, "body")], False),
        ("notes.tag IS NOT NULL and (row).field = 1", [("notes", "tag")], False),
        ("tag collate \"C\" = 'a' and ctid is not null", [(None, "tag")], False),
        ("status = any(array['open', 'done']) and xmin <> 0", [(None, "status")], False),
        ("exists (select 1 from members m where m.id = owner_id)",
         [(None, "members"), (None, "m"), ("m", "id"), (None, "owner_id")], True),
        ("public.notes.tag = 'x'", [], False),
    ],
)
def test_column_refs(expr: str, refs: list[tuple[str | None, str]], subquery: bool) -> None:
    assert column_refs(expr) == (refs, subquery)
