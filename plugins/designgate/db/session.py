"""Running one statement as a role of the design, in a savepoint that is always rolled back.

A check is only as good as the statement it ran: the setup (the superuser's preparation,
``SET LOCAL ROLE`` and the session settings) is run and judged separately, so a failure
there — a setting the connection may not change, a role that is missing — is reported as
what it is, never taken for the policy denying the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from designgate.generate.sql import ident, literal

INSUFFICIENT_PRIVILEGE = "42501"
SAVEPOINT = "designgate_check"


@dataclass(slots=True)
class Outcome:
    rows: int = 0
    state: str = ""  # SQLSTATE of the statement's error
    error: str = ""
    setup: str = ""  # the setup failed: the statement did not run
    fetched: list[Any] | None = None

    @property
    def ran(self) -> bool:
        return not self.setup

    @property
    def denied(self) -> bool:
        return self.state == INSUFFICIENT_PRIVILEGE

    @property
    def refused(self) -> bool:
        """The database refused the statement (an error) or it touched nothing."""
        return bool(self.state) or self.rows == 0

    def __str__(self) -> str:
        if self.setup:
            return f"not run: the setup failed: {self.setup}"
        return f"{self.error} (SQLSTATE {self.state})" if self.state else f"{self.rows} row(s)"


def settings_sql(env: dict[str, str]) -> str:
    parts = ", ".join(f"set_config({literal(k)}, {literal(v)}, true)" for k, v in env.items())
    return f"SELECT {parts}" if parts else "SELECT 1"


def as_role(cur: Any, psycopg: Any, role: str | None, env: dict[str, str], sql: str,
            params: list[Any] | None = None, *, fetch: bool = False,
            prepare: list[str] | None = None) -> Outcome:
    """Run ``sql`` as ``role`` (None: as the superuser) with the settings ``env`` in a
    savepoint that is rolled back. ``prepare``: statements the superuser runs first, with
    triggers and foreign-key actions off (``session_replication_role = replica``) — the
    role's own statement always runs with them on."""
    setup: list[str] = [f"SAVEPOINT {SAVEPOINT}"]
    if prepare:
        setup += ["SET LOCAL session_replication_role = replica", *prepare,
                  "SET LOCAL session_replication_role = origin"]
    if role is not None:
        setup.append(f"SET LOCAL ROLE {ident(role)}")
    setup.append(settings_sql(env))
    out = Outcome()
    try:
        cur.execute("; ".join(setup).encode())
    except psycopg.Error as exc:
        out.setup = _message(exc)
        cur.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}".encode())
        return out
    try:
        cur.execute(sql.encode(), params or [], prepare=False)
        out.rows = cur.rowcount
        if fetch:
            out.fetched = cur.fetchall()
    except psycopg.Error as exc:
        out.state = getattr(exc, "sqlstate", "") or ""
        out.error = getattr(exc.diag, "message_primary", None) or str(exc)
    finally:
        cur.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}".encode())
    return out


def _message(exc: Any) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) or " ".join(str(exc).split())
    state = getattr(exc, "sqlstate", None)
    return f"{primary} (SQLSTATE {state})" if state else primary
