"""db verify's invariants come from the intent (tenancy model, role x permission matrix), not
from the policies: each seeded defect below verified as correct before — the RLS matrix
agrees with the policies, wrong or not — and is caught now, on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from designgate import load_design
from designgate.db.verify import Report, verify
from support import (
    REPO,
    TENANT,
    USER,
    database_url,
    drop_tenant_from_comment_fk,
    edit,
    search_path_without_pg_temp,
    set_policy,
)


@pytest.fixture(scope="module")
def server() -> str:
    return database_url()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "design"
    shutil.copytree(REPO / "design", target)
    return target


def _run(design: Path, server: str) -> Report:
    report = verify(load_design(design).design, server)
    assert report.invariants is not None
    return report


def _failed(report: Report, invariant: str) -> list[tuple[str, str, str]]:
    return [(c.role, c.table, c.detail) for c in report.invariants.failures
            if c.invariant == invariant]


def test_the_example_holds_every_invariant_and_tests_all_of_them(server: str) -> None:
    report = _run(REPO / "design", server)
    inv = report.invariants
    assert inv.failures == [] and report.ok
    coverage = inv.coverage()
    assert all(tested == total and total > 0 for tested, total in coverage.values()), coverage
    assert sum(total for _, total in coverage.values()) > 400
    assert [c for c in inv.cases if c.outcome == "inconclusive"] == []


def test_a_select_policy_that_shows_every_tenant(server: str, example: Path) -> None:
    set_policy(example, "tasks_select", "using", "'true'")
    report = _run(example, server)
    assert report.rls.ok  # the matrix agrees with the (wrong) policy...
    leaks = _failed(report, "read-isolation")  # ...the tenancy model does not
    assert {(role, table) for role, table, _ in leaks} == {
        (r, "tasks") for r in ("guest", "member", "admin", "owner")}
    assert all("row(s) of other tenants" in d for _, _, d in leaks)


def test_a_with_check_that_writes_into_any_workspace(server: str, example: Path) -> None:
    set_policy(example, "tasks_insert", "with_check", f"created_by_id = {USER}")
    report = _run(example, server)
    assert report.rls.ok
    assert ("member", "tasks", "inserted a row into another tenant: it succeeded (1 row(s))") in (
        _failed(report, "insert-isolation"))


def test_a_foreign_key_without_the_tenant_column(server: str, example: Path) -> None:
    """H2: a comment of workspace B on a task of workspace A."""
    drop_tenant_from_comment_fk(example)
    # The example's outbox trigger stops it anyway (its event would reference the other
    # tenant's project through activity_events' tenant FK): without the trigger it does not.
    m = example / "migrations.yaml"
    edit(m, "            CREATE TRIGGER comments_record_activity AFTER INSERT OR DELETE ON "
            "comments\n              FOR EACH ROW EXECUTE FUNCTION record_activity();\n", "")
    edit(m, "            DROP TRIGGER IF EXISTS comments_record_activity ON comments;\n", "")
    report = _run(example, server)
    failed = _failed(report, "cross-tenant-reference")
    assert ("guest", "comments", "inserted a row of its tenant whose task_id references "
            "another tenant's tasks: it succeeded (1 row(s))") in failed
    assert {t for _, t, _ in failed} == {"comments"}


def test_an_admin_that_promotes_itself(server: str, example: Path) -> None:
    """H3: the UPDATE policy's WITH CHECK leaves the role column free."""
    set_policy(example, "workspace_members_update_admin", "with_check", f"workspace_id = {TENANT}")
    report = _run(example, server)
    assert ("admin", "workspace_members",
            "raised its own membership to owner: it succeeded (1 row(s))") in _failed(
        report, "privilege-column")
    assert not [f for f in _failed(report, "privilege-column") if f[0] == "owner"]


def test_a_guest_that_writes_the_outbox(server: str, example: Path) -> None:
    """H4: a read-only guest inserts events into the webhook outbox."""
    edit(example / "auth.yaml", "  - name: activity_events_select\n",
         "  - name: activity_events_insert\n    table: activity_events\n    command: insert\n"
         f"    roles: [guest]\n    with_check: workspace_id = {TENANT}\n"
         "  - name: activity_events_select\n")
    report = _run(example, server)
    assert report.rls.ok
    failed = _failed(report, "least-privilege")
    assert ("guest", "activity_events", "insert on a row of its own tenant, though none of "
            "its endpoints (nor its `tables:`) does: it succeeded (1 row(s))") in failed


def test_security_definer_functions_a_temp_table_or_any_role_can_use(server: str,
                                                                    example: Path) -> None:
    """H1 and H5: search_path without pg_temp last; EXECUTE left to PUBLIC."""
    m = example / "migrations.yaml"
    search_path_without_pg_temp(example)
    edit(m, "            REVOKE EXECUTE ON FUNCTION record_activity() FROM PUBLIC;\n", "")
    report = _run(example, server)
    assert [(t, d) for _, t, d in _failed(report, "function-search-path")] == [
        ("is_workspace_member(uuid)", "search_path is public: a temporary table can stand in "
         "for a table it reads (pg_temp is searched first unless named last)")]
    assert [t for _, t, _ in _failed(report, "function-public-execute")] == ["record_activity()"]
    assert not report.ok
