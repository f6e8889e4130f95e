"""The migration safety rules (S024-S028) cross-checked with squawk, the PostgreSQL migration
linter: on the SQL designgate generates for a migration on a table that already has rows,
squawk reports the same danger designgate does, and nothing of it once designgate's fix is
applied. squawk is not the implementation — the two must agree.

squawk comes from PyPI (`squawk-cli`, in the `test` extra: its wheel carries the binary);
the tests skip without it, but under CI=true a missing squawk fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from designgate.cli.main import cli
from support import add_notes_index, append_migration, check, edit


def _squawk() -> str:
    beside = Path(sys.executable).parent / "squawk"  # the venv's, when it is not on PATH
    found = shutil.which("squawk") or (str(beside) if beside.exists() else None)
    if found is None:
        why = "squawk is not installed (pip install squawk-cli, in designgate's test extra)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)
    return found


def _append(design: Path, keys: str, steps: str) -> None:
    append_migration(design, keys + "    steps:\n" + steps)


def _lint(design: Path, tmp_path: Path) -> tuple[set[str], set[str]]:
    """(squawk's rule names on 0003's up file, designgate's rule ids)."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(design), "--out", str(out), "--fail-on",
                                      "never", "--force"])
    assert result.exit_code == 0, result.output
    up = out / "migrations" / "0003_later.up.sql"
    proc = subprocess.run([_squawk(), "--reporter", "json", str(up)], capture_output=True,
                          text=True, timeout=60)
    assert proc.stdout.strip().startswith("["), proc.stdout + proc.stderr
    squawk = {v["rule_name"] for v in json.loads(proc.stdout)}
    ours = {f.rule for f in check(design).findings if f.rule.startswith("S")}
    return squawk, ours


def _index(design: Path, concurrently: bool) -> None:
    add_notes_index(design, "notes_title_idx", "author_id, title",
                    "        concurrently: true\n" if concurrently else "")


def test_an_index_on_a_table_with_rows(design: Path, tmp_path: Path) -> None:
    _index(design, concurrently=False)
    _append(design, "    lock_timeout: 5s\n    statement_timeout: 1min\n",
            "      - create_index: notes_title_idx\n")
    squawk, ours = _lint(design, tmp_path)
    assert "require-concurrent-index-creation" in squawk and "S024" in ours


def test_the_concurrent_index_designgate_asks_for(design: Path, tmp_path: Path) -> None:
    _index(design, concurrently=True)
    _append(design, "    transactional: false\n    lock_timeout: 5s\n    statement_timeout: 1min\n",
            "      - create_index: notes_title_idx\n")
    squawk, ours = _lint(design, tmp_path)
    assert not squawk & {"require-concurrent-index-creation", "prefer-robust-stmts",
                         "require-lock-timeout", "require-statement-timeout"}, squawk
    assert not ours & {"S024", "S028", "S029", "S030"}, ours


@pytest.mark.parametrize("default", [False, True])
def test_a_required_column(design: Path, tmp_path: Path, default: bool) -> None:
    edit(design / "tables/notes.yaml", "      - {name: tag, type: varchar(40)}\n",
         "      - {name: tag, type: varchar(40)}\n      - {name: pinned, type: boolean, "
         f"nullable: false{', default: false' if default else ''}, technical: ordering}}\n")
    _append(design, "    lock_timeout: 5s\n    statement_timeout: 1min\n",
            "      - add_column: {table: notes, column: pinned}\n")
    squawk, ours = _lint(design, tmp_path)
    assert ("adding-required-field" in squawk) is (not default), squawk
    assert ("S025" in ours) is (not default), ours


def test_a_type_change_that_rewrites(design: Path, tmp_path: Path) -> None:
    edit(design / "tables/notes.yaml", "{name: tag, type: varchar(40)}",
         "{name: tag, type: varchar(20)}")
    _append(design, "    lock_timeout: 5s\n    statement_timeout: 1min\n"
                    "    destructive: {reason: Tags are at most 20 characters long already.}\n",
            "      - alter_column: {table: notes, column: tag, change: narrow, type: true,"
            " from: {type: varchar(40)}}\n")
    squawk, ours = _lint(design, tmp_path)
    assert "changing-column-type" in squawk and "S026" in ours


@pytest.mark.parametrize("not_valid", [False, True])
def test_a_check_constraint(design: Path, tmp_path: Path, not_valid: bool) -> None:
    add = "ALTER TABLE notes ADD CONSTRAINT notes_tag_check CHECK (tag <> '')"
    up = (f"{add} NOT VALID; ALTER TABLE notes VALIDATE CONSTRAINT notes_tag_check;"
          if not_valid else f"{add};")
    _append(design, "    lock_timeout: 5s\n    statement_timeout: 1min\n",
            f"      - sql:\n          up: \"{up}\"\n"
            "          down: ALTER TABLE notes DROP CONSTRAINT notes_tag_check;\n")
    squawk, ours = _lint(design, tmp_path)
    assert ("constraint-missing-not-valid" in squawk) is (not not_valid), squawk
    assert ("S027" in ours) is (not not_valid), ours


@pytest.mark.parametrize("timeouts", [False, True])
def test_lock_timeouts(design: Path, tmp_path: Path, timeouts: bool) -> None:
    _append(design, "    lock_timeout: 5s\n    statement_timeout: 1min\n" if timeouts else "",
            "      - sql:\n          up: ALTER TABLE notes ADD COLUMN draft boolean;\n"
            "          down: ALTER TABLE notes DROP COLUMN draft;\n")
    squawk, ours = _lint(design, tmp_path)
    assert ("require-lock-timeout" in squawk) is (not timeouts), squawk
    assert ("S028" in ours) is (not timeouts), ours
