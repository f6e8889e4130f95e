"""The bundled example attacked on a real PostgreSQL, the way an attacker would.

Independent of ``db verify``: the example's generated migrations are applied to a scratch
database, two tenants are seeded as the superuser, and each attack runs as the database
role the API switches to (``SET LOCAL ROLE`` plus the session settings of the auth model).
Every test asserts that the attack is *refused*; before issue #9 each of them succeeded:

- H1: a temporary table shadowing ``workspace_members`` inside the SECURITY DEFINER
  membership functions showed other tenants' users;
- H2: a member of one workspace inserted a task under another workspace's project (and a
  comment on another workspace's task): the foreign keys did not include the tenant;
- H3: an admin promoted their own membership to owner;
- H4: a read-only guest wrote arbitrary events into the webhook outbox;
- H5: a role outside the model executed the SECURITY DEFINER functions.

The server comes from ``DESIGNGATE_TEST_DATABASE_URL``, as in ``test_db.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from designgate import load_design
from designgate.db.verify import connect
from designgate.generate import sql
from support import REPO, database_url

NIL = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Tenant:
    workspace: str
    admin: str  # user ids
    member: str
    guest: str
    project: str
    task: str


@pytest.fixture(scope="module")
def example() -> Iterator[tuple[Any, Tenant, Tenant]]:
    """The example migrated in a scratch database, with tenants A and B seeded."""
    url = database_url()
    design = load_design(REPO / "design").design
    name = f"designgate_attack_{os.getpid()}"
    admin = connect(url)
    with admin.cursor() as cur:
        cur.execute("SELECT rolname FROM pg_roles")
        before = {r for (r,) in cur.fetchall()}
        cur.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    conn = None
    try:
        conn = connect(url, dbname=name)
        for m in design.migrations:
            for stmt in sql.migration_sql(design, m).up:
                if not stmt.comment_only:
                    conn.execute(stmt.text.encode())
        tenants = (_seed(conn, "a"), _seed(conn, "b"))
        yield conn, *tenants
    finally:
        if conn is not None:
            conn.close()
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cur.execute("SELECT rolname FROM pg_roles")
            for role in sorted({r for (r,) in cur.fetchall()} - before, reverse=True):
                cur.execute(f"DROP ROLE IF EXISTS {sql.ident(role)}")
        admin.close()


def _seed(conn: Any, tag: str) -> Tenant:
    """One workspace with an admin, a member and a guest, a project and a task (as the
    superuser, who bypasses row-level security)."""
    ws = str(uuid.uuid4())
    users = {}
    for role in ("admin", "member", "guest"):
        uid = str(uuid.uuid4())
        users[role] = uid
        conn.execute("INSERT INTO users (id, email, display_name) VALUES (%s, %s, %s)",
                     (uid, f"{role}.{tag}@example.com", f"{role} {tag}"))
    conn.execute("INSERT INTO workspaces (id, name, slug, plan) VALUES (%s, %s, %s, 'team')",
                 (ws, f"Workspace {tag}", f"workspace-{tag}"))
    for role, uid in users.items():
        conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role) "
                     "VALUES (%s, %s, %s)", (ws, uid, role))
    project, task = str(uuid.uuid4()), str(uuid.uuid4())
    conn.execute("INSERT INTO projects (id, workspace_id, name, key, status) "
                 "VALUES (%s, %s, %s, %s, 'active')", (project, ws, f"Project {tag}",
                                                        f"P{tag.upper()}"))
    conn.execute("INSERT INTO tasks (id, workspace_id, project_id, number, title, status, "
                 "priority, position) VALUES (%s, %s, %s, 1, 'A task', 'todo', 'none', 1)",
                 (task, ws, project))
    return Tenant(ws, users["admin"], users["member"], users["guest"], project, task)


class Refused(Exception):
    pass


def as_role(conn: Any, role: str, user: str, workspace: str, statements: list[str],
            params: list[tuple[Any, ...]] | None = None) -> list[Any]:
    """Run ``statements`` as ``role`` for ``user`` in ``workspace``, in a transaction that
    is rolled back; the rows of the last one, or Refused with PostgreSQL's complaint."""
    import psycopg

    params = params or [()] * len(statements)
    rows: list[Any] = []
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(f"SET LOCAL ROLE {sql.ident(role)}")
            cur.execute("SELECT set_config('app.user_id', %s, true), "
                        "set_config('app.workspace_id', %s, true), "
                        "set_config('app.role', %s, true)", (user, workspace, role))
            for text, args in zip(statements, params, strict=True):
                cur.execute(text, args)
            rows = cur.fetchall() if cur.description else []
    except psycopg.Error as exc:
        raise Refused(f"{exc.sqlstate}: {exc.diag.message_primary}") from exc
    return rows


def test_h1_a_temporary_table_cannot_shadow_a_table_of_the_security_definer_functions(
        example: tuple[Any, Tenant, Tenant]) -> None:
    conn, a, b = example
    # The guest of A claims, in a temporary table of its own, that B's member is in A.
    shadow = ["CREATE TEMP TABLE workspace_members (workspace_id uuid, user_id uuid)",
              "INSERT INTO workspace_members VALUES (%s, %s)",
              "SELECT id::text FROM public.users"]
    try:
        rows = as_role(conn, "guest", a.guest, a.workspace, shadow,
                       [(), (a.workspace, b.member), ()])
    except Refused:
        return  # not even allowed to try
    seen = {r[0] for r in rows}
    assert b.member not in seen, "the temporary table made B's member visible to A's guest"
    assert a.admin in seen  # a real colleague is still visible


def test_h2_a_row_cannot_reference_another_tenants_row(
        example: tuple[Any, Tenant, Tenant]) -> None:
    conn, a, b = example
    with pytest.raises(Refused):
        as_role(conn, "member", b.member, b.workspace, [
            "INSERT INTO tasks (workspace_id, project_id, number, title, status, priority, "
            "position) VALUES (%s, %s, 2, 'planted', 'todo', 'none', 2)"],
            [(b.workspace, a.project)])
    with pytest.raises(Refused):
        as_role(conn, "member", b.member, b.workspace, [
            "INSERT INTO comments (workspace_id, task_id, author_id, body) "
            "VALUES (%s, %s, %s, 'planted')"], [(b.workspace, a.task, b.member)])
    # the same rows inside one tenant are fine
    as_role(conn, "member", b.member, b.workspace, [
        "INSERT INTO comments (workspace_id, task_id, author_id, body) "
        "VALUES (%s, %s, %s, 'fine')"], [(b.workspace, b.task, b.member)])


def test_h3_an_admin_cannot_promote_itself_to_owner(
        example: tuple[Any, Tenant, Tenant]) -> None:
    conn, a, _ = example
    try:
        rows = as_role(conn, "admin", a.admin, a.workspace, [
            "UPDATE workspace_members SET role = 'owner' WHERE user_id = %s RETURNING role"],
            [(a.admin,)])
    except Refused:
        rows = []
    assert rows == [], "the admin promoted itself to owner"
    try:  # nor anybody else
        rows = as_role(conn, "admin", a.admin, a.workspace, [
            "UPDATE workspace_members SET role = 'owner' WHERE user_id = %s RETURNING role"],
            [(a.member,)])
    except Refused:
        rows = []
    assert rows == []
    # demoting a member to guest is an admin's job
    rows = as_role(conn, "admin", a.admin, a.workspace, [
        "UPDATE workspace_members SET role = 'guest' WHERE user_id = %s RETURNING role"],
        [(a.member,)])
    assert rows == [("guest",)]


def test_h4_a_guest_cannot_write_into_the_webhook_outbox(
        example: tuple[Any, Tenant, Tenant]) -> None:
    conn, a, _ = example
    with pytest.raises(Refused):
        as_role(conn, "guest", a.guest, a.workspace, [
            "INSERT INTO activity_events (workspace_id, actor_id, event_type, changes) "
            "VALUES (%s, %s, 'task.deleted', '{}')"], [(a.workspace, a.guest)])


def test_h5_a_role_outside_the_model_cannot_run_the_security_definer_functions(
        example: tuple[Any, Tenant, Tenant]) -> None:
    conn, a, _ = example
    with conn.cursor() as cur:
        cur.execute("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.prosecdef")
        functions = [r[0] for r in cur.fetchall()]
    assert functions, "the example has SECURITY DEFINER functions"
    outsider = f"designgate_outsider_{os.getpid()}"
    conn.execute(f"CREATE ROLE {outsider} NOLOGIN")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT f FROM unnest(%s::text[]) AS f "
                        "WHERE has_function_privilege(%s, f::regprocedure, 'EXECUTE')",
                        (functions, outsider))
            runnable = [r[0] for r in cur.fetchall()]
        assert runnable == [], f"a role outside the model may execute {runnable}"
        with pytest.raises(Refused):
            as_role(conn, outsider, a.guest, a.workspace,
                    ["SELECT is_workspace_member(%s)"], [(a.workspace,)])
    finally:
        conn.execute(f"DROP ROLE {outsider}")


def test_the_api_still_works_for_its_roles(example: tuple[Any, Tenant, Tenant]) -> None:
    """The fixes keep the product working: each role does its job in its own workspace."""
    conn, a, b = example
    seen = as_role(conn, "guest", a.guest, a.workspace, ["SELECT id::text FROM tasks"])
    assert seen == [(a.task,)]
    # an owner grants owner; an admin demotes a member but cannot touch an owner
    owner = str(uuid.uuid4())
    conn.execute("INSERT INTO users (id, email, display_name) VALUES (%s, %s, 'o')",
                 (owner, f"{owner}@example.com"))
    conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role) VALUES "
                 "(%s, %s, 'owner')", (a.workspace, owner))
    assert as_role(conn, "owner", owner, a.workspace, [
        "UPDATE workspace_members SET role = 'owner' WHERE user_id = %s RETURNING role"],
        [(a.admin,)]) == [("owner",)]
    assert as_role(conn, "admin", a.admin, a.workspace, [
        "DELETE FROM workspace_members WHERE user_id = %s RETURNING user_id"], [(owner,)]) == []
    as_role(conn, "member", a.member, a.workspace, [
        "INSERT INTO tasks (workspace_id, project_id, created_by_id, number, title, status, "
        "priority, position) VALUES (%s, %s, %s, 2, 'mine', 'todo', 'none', 2)"],
        [(a.workspace, a.project, a.member)])
    with pytest.raises(Refused):  # nor in somebody else's name
        as_role(conn, "member", a.member, a.workspace, [
            "INSERT INTO tasks (workspace_id, project_id, created_by_id, number, title, status, "
            "priority, position) VALUES (%s, %s, %s, 3, 'forged', 'todo', 'none', 3)"],
            [(a.workspace, a.project, a.admin)])
    # the database writes the outbox itself: the task's creation is in the feed
    events = as_role(conn, "member", a.member, a.workspace, [
        "INSERT INTO tasks (workspace_id, project_id, created_by_id, number, title, status, "
        "priority, position) VALUES (%s, %s, %s, 4, 'mine', 'todo', 'none', 4)",
        "SELECT event_type, actor_id::text FROM activity_events"],
        [(a.workspace, a.project, a.member), ()])
    assert ("task.created", a.member) in events
    members = as_role(conn, "admin", a.admin, a.workspace,
                      ["SELECT user_id::text FROM workspace_members"])
    assert {r[0] for r in members} == {a.admin, a.member, a.guest, owner}
    users = as_role(conn, "member", b.member, b.workspace, ["SELECT id::text FROM users"])
    assert {r[0] for r in users} == {b.admin, b.member, b.guest}
