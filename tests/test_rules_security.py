"""Tenant isolation and least-privilege rules (A015-A032), each seeded into a copy of the
bundled example, which checks clean. The attacks these rules stand for run for real on
PostgreSQL in test_attacks.py; here the static side: the design says what is wrong, at the
line where it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import (
    REPO,
    TENANT,
    USER,
    assert_finding,
    check,
    drop_tenant_from_comment_fk,
    edit,
    line_of,
    only,
    search_path_without_pg_temp,
    set_policy,
)

AUTH = "design/auth.yaml"
MIGRATIONS = "design/migrations.yaml"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "design"
    shutil.copytree(REPO / "design", target)
    return target


def test_the_example_raises_none_of_these_rules(example: Path) -> None:
    ids = {f"A0{n}" for n in range(15, 33)}
    assert [f.location + " " + f.rule for f in check(example).findings if f.rule in ids] == []


# --- H2: foreign keys that cross tenants -----------------------------------------------------


def test_a015_a_foreign_key_without_the_tenant_column(example: Path) -> None:
    tables = drop_tenant_from_comment_fk(example)
    hit = assert_finding(check(example), "A015", "design/tables/comments.yaml",
                         line_of(tables, "references: {table: tasks, column: id"))
    assert "comments.task_id" in hit.message and "workspace_id" in hit.message


# --- H3: privilege escalation through the membership role column -----------------------------


def test_a016_an_admin_may_write_owner_into_its_membership(example: Path) -> None:
    line = set_policy(example, "workspace_members_update_admin", "with_check",
                   f"workspace_id = {TENANT}")
    hit = assert_finding(check(example), "A016", AUTH, line)
    assert "admin" in hit.message and "role" in hit.message and "owner" in hit.message


# --- H1 and H5: SECURITY DEFINER functions ----------------------------------------------------


def test_a017_a_security_definer_function_whose_path_lets_pg_temp_first(example: Path) -> None:
    search_path_without_pg_temp(example)
    hits = only(check(example), "A017")
    assert len(hits) == 1 and "is_workspace_member" in hits[0].message
    assert "pg_temp" in hits[0].message
    assert hits[0].span is not None and hits[0].span.file == MIGRATIONS


def test_a017_no_search_path_at_all(example: Path) -> None:
    edit(example / "migrations.yaml",
         "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$",
         "LANGUAGE plpgsql SECURITY DEFINER AS $$")
    hits = only(check(example), "A017")
    assert len(hits) == 1 and "record_activity" in hits[0].message


def test_a018_execute_left_to_public(example: Path) -> None:
    edit(example / "migrations.yaml",
         "            REVOKE EXECUTE ON FUNCTION record_activity() FROM PUBLIC;\n", "")
    hits = only(check(example), "A018")
    assert len(hits) == 1 and "record_activity" in hits[0].message


def test_a019_a_grant_to_public(example: Path) -> None:
    m = example / "migrations.yaml"
    edit(m, "            GRANT EXECUTE ON FUNCTION invitation_preview(text) TO anonymous;\n",
         "            GRANT EXECUTE ON FUNCTION invitation_preview(text) TO anonymous;\n"
         "            GRANT SELECT ON labels TO PUBLIC;\n")
    hits = only(check(example), "A019")
    assert len(hits) == 1 and "PUBLIC" in hits[0].message
    assert hits[0].span is not None and hits[0].span.file == MIGRATIONS


# --- RLS itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("sql", [
    "ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;",
    "ALTER TABLE tasks DISABLE ROW LEVEL SECURITY;",
])
def test_a020_rls_no_longer_forced(example: Path, sql: str) -> None:
    m = example / "migrations.yaml"
    edit(m, "      - enable_rls: activity_events\n",
         "      - enable_rls: activity_events\n      - sql:\n"
         f"          up: {sql}\n          down: ALTER TABLE tasks FORCE ROW LEVEL SECURITY;\n")
    hit = assert_finding(check(example), "A020", MIGRATIONS, line_of(m, f"up: {sql}"))
    assert "tasks" in hit.message


def test_a021_and_a022_a_select_policy_that_shows_every_tenant(example: Path) -> None:
    """Seeded defect of the issue: every tenant reads every task (check 0, verify 0)."""
    line = set_policy(example, "tasks_select", "using", "'true'")
    report = check(example)
    assert_finding(report, "A021", AUTH, line)
    assert_finding(report, "A022", AUTH, line)
    line = set_policy(example, "tasks_select", "using", "status <> 'archived'")
    hit = assert_finding(check(example), "A022", AUTH, line)
    assert "workspace_id" in hit.message


def test_a022_a_with_check_that_writes_into_any_workspace(example: Path) -> None:
    """Seeded defect of the issue: a member writes rows into any workspace (0, 0)."""
    line = set_policy(example, "tasks_insert", "with_check", f"created_by_id = {USER}")
    hit = assert_finding(check(example), "A022", AUTH, line)
    assert "tasks_insert" in hit.message


def test_a022_a_restrictive_policy_is_not_required_to_name_the_tenant(example: Path) -> None:
    auth = example / "auth.yaml"
    edit(auth, "  - name: tasks_select\n", "  - name: tasks_not_archived\n    table: tasks\n"
               "    command: select\n    restrictive: true\n    roles: [guest]\n"
               "    using: status <> 'archived'\n  - name: tasks_select\n")
    assert only(check(example), "A022") == []


def test_a023_two_permissive_policies_for_one_role_and_command(example: Path) -> None:
    auth = example / "auth.yaml"
    edit(auth, "  - name: tasks_select\n", "  - name: tasks_select_assigned\n    table: tasks\n"
               "    command: select\n    roles: [member]\n"
               f"    using: workspace_id = {TENANT} AND assignee_id = {USER}\n"
               "  - name: tasks_select\n")
    # reported at the second of them
    hit = assert_finding(check(example), "A023", AUTH, line_of(auth, "- name: tasks_select", 2))
    assert "'member' for select on tasks (tasks_select_assigned, tasks_select)" in hit.message
    assert "restrictive" in hit.message


def test_a024_a_setting_read_once_per_row(example: Path) -> None:
    line = set_policy(example, "labels_select", "using",
                   "workspace_id = current_setting('app.workspace_id', true)::uuid")
    hit = assert_finding(check(example), "A024", AUTH, line)
    assert "(select" in hit.message


def test_a025_current_setting_without_missing_ok(example: Path) -> None:
    line = set_policy(example, "labels_select", "using",
                   "workspace_id = (select current_setting('app.workspace_id')::uuid)")
    assert_finding(check(example), "A025", AUTH, line)


def test_a026_a_misspelt_session_setting(example: Path) -> None:
    line = set_policy(example, "labels_select", "using",
                   "workspace_id = (select current_setting('app.workspce_id', true)::uuid)")
    hit = assert_finding(check(example), "A026", AUTH, line)
    assert "app.workspce_id" in hit.message and "app.workspace_id" in hit.message


def test_a027_a_policy_reads_a_function_created_later(example: Path) -> None:
    m = example / "migrations.yaml"
    edit(m, "      - create_table: users\n", "      - create_table: users\n"
            "      - enable_rls: users\n")
    edit(m, "      - enable_rls: users\n      - enable_rls: workspaces\n",
         "      - enable_rls: workspaces\n")
    auth = example / "auth.yaml"
    hit = assert_finding(check(example), "A027", AUTH, line_of(auth, "is_workspace_colleague(id)"))
    assert "is_workspace_colleague" in hit.message and "0005_row_level_security" in hit.message


# --- least privilege --------------------------------------------------------------------------


def test_a028_a_raw_grant_no_policy_uses(example: Path) -> None:
    m = example / "migrations.yaml"
    edit(m, "      - enable_rls: activity_events\n",
         "      - enable_rls: activity_events\n      - sql:\n"
         "          up: GRANT DELETE ON activity_events TO member;\n"
         "          down: REVOKE DELETE ON activity_events FROM member;\n")
    hits = only(check(example), "A028")
    assert len(hits) == 1 and "member" in hits[0].message and "DELETE" in hits[0].message.upper()


def test_a029_a_guest_may_write_the_outbox(example: Path) -> None:
    """H4: a read-only guest inserts events into the webhook outbox."""
    auth = example / "auth.yaml"
    edit(auth, "  - name: activity_events_select\n",
         "  - name: activity_events_insert\n    table: activity_events\n    command: insert\n"
         f"    roles: [guest]\n    with_check: workspace_id = {TENANT}\n"
         "  - name: activity_events_select\n")
    hit = assert_finding(check(example), "A029", AUTH,
                         line_of(auth, "- name: activity_events_insert") + 3)  # its roles
    assert "guest" in hit.message and "insert" in hit.message


def test_a030_an_endpoint_lists_an_unknown_table(example: Path) -> None:
    api = example / "api/comments.yaml"
    edit(api, "    tables: [comments, tasks]\n", "    tables: [comments, taks]\n")
    hit = assert_finding(check(example), "A030", "design/api/comments.yaml",
                         line_of(api, "tables: [comments, taks]"))
    assert "'taks'" in hit.message and "tasks" in hit.message


def test_a031_an_unknown_database_role(example: Path) -> None:
    api = example / "api/invitations.yaml"
    edit(api, "    runs_as: anonymous\n", "    runs_as: anonymus\n")
    hit = assert_finding(check(example), "A031", "design/api/invitations.yaml",
                         line_of(api, "runs_as: anonymus"))
    assert "anonymous" in hit.message


def test_a031_a_public_endpoint_without_runs_as(example: Path) -> None:
    api = example / "api/invitations.yaml"
    edit(api, "    runs_as: anonymous\n", "")
    # Reached only through a SECURITY DEFINER function (via:): no database role needed.
    assert only(check(example), "A031") == []
    edit(api, "{table: invitations, access: read, via: invitation_preview()}",
         "{table: invitations, access: read}")
    hits = only(check(example), "A031")
    assert len(hits) == 1 and "runs_as" in hits[0].message


def test_a032_scopes_of_tables_that_are_not_or_are_per_tenant(example: Path) -> None:
    auth = example / "auth.yaml"
    edit(auth, "  tables:\n    users: per-user\n", "  tables:\n    users: per-user\n"
               "    taks: global\n    labels: global\n")
    messages = sorted(f.message for f in only(check(example), "A032"))
    assert len(messages) == 2
    assert "'labels' has the tenant column 'workspace_id': it is per-tenant" in messages[0]
    assert "'taks' is not a table of the schema" in messages[1] and "tasks" in messages[1]


def test_a032_a_table_whose_scope_is_not_declared(example: Path) -> None:
    tables = example / "tables/labels.yaml"
    text = tables.read_text("utf-8")
    # labels without their tenant column: whose rows are they?
    start = text.index("      - name: workspace_id\n")
    end = text.index("      - name: ", start + 1)
    tables.write_text(text[:start] + text[end:], "utf-8")
    hits = only(check(example), "A032")
    assert len(hits) == 1 and "table 'labels' has no tenant column" in hits[0].message


def test_a032_the_old_example_without_a_tenancy_model(example: Path) -> None:
    auth = example / "auth.yaml"
    text = auth.read_text("utf-8")
    start = text.index("tenancy:\n")
    auth.write_text(text[:start] + text[text.index("\nroles:\n", start) + 1:], "utf-8")
    hits = only(check(example), "A032")
    assert len(hits) == 1 and "technical: tenant" in hits[0].message


def test_a032_names_that_do_not_exist(example: Path) -> None:
    auth = example / "auth.yaml"
    edit(auth, "  membership: {table: workspace_members, user: user_id, role: role}\n",
         "  membership: {table: workspace_member, user: user_id, role: rol}\n")
    messages = " | ".join(f.message for f in only(check(example), "A032"))
    assert "workspace_member" in messages and "workspace_members" in messages
