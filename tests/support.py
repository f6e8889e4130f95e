"""Helpers for tests: a copy of the scaffold design to mutate, and finding lookups."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import designgate
from designgate import Finding, Report, check_design
from mkdocs.commands.build import build
from mkdocs.config import load_config

SCAFFOLD = Path(designgate.__file__).parent / "scaffold" / "design"
REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(name: str, text: str, test: str) -> None:
    """``text`` equals the reviewed file ``golden/name``; ``DESIGNGATE_UPDATE_GOLDEN=1``
    rewrites it (then review the diff before committing)."""
    path = GOLDEN / name
    if os.environ.get("DESIGNGATE_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing; run with DESIGNGATE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"the output differs from {path}; if the change is intended, regenerate it with "
        f"DESIGNGATE_UPDATE_GOLDEN=1 pytest {test} and review the diff")


def synth() -> Any:
    """``benchmarks/synth.py``, the generator of synthetic designs of any size."""
    path = REPO / "benchmarks" / "synth.py"
    spec = importlib.util.spec_from_file_location("designgate_bench_synth", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def copy_scaffold(tmp_path: Path) -> Path:
    """A fresh copy of the clean scaffold design at ``tmp_path/design``."""
    target = tmp_path / "design"
    shutil.copytree(SCAFFOLD, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in ``path``; fails loudly when ``old`` is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found {count}x in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line number of the ``nth`` line containing ``needle``."""
    seen = 0
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == nth:
                return no
    raise AssertionError(f"{needle!r} not in {path}")


def in_endpoint(design: Path, endpoint: str, old: str, new: str) -> None:
    """Replace the first ``old`` after ``id: endpoint`` in the scaffold's endpoints file
    (endpoints share much text)."""
    api = design / "api" / "notes.yaml"
    head, sep, tail = api.read_text(encoding="utf-8").partition(f"id: {endpoint}\n")
    assert sep and old in tail, f"{old!r} not in {endpoint}"
    api.write_text(head + sep + tail.replace(old, new, 1), encoding="utf-8")


def line_in(design: Path, endpoint: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` from ``id: endpoint`` on."""
    api = design / "api" / "notes.yaml"
    start = line_of(api, f"id: {endpoint}")
    for no, line in enumerate(api.read_text(encoding="utf-8").splitlines()[start - 1:], start):
        if needle in line:
            return no
    raise AssertionError(f"{needle!r} not in {endpoint}")


def check(design_dir: Path) -> Report:
    return check_design(design_dir)


def only(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def assert_finding(report: Report, rule: str, file: str, line: int) -> Finding:
    """Exactly one finding of ``rule`` at ``file:line`` (file relative to the project root)."""
    hits = [f for f in only(report, rule) if f.span and f.span.file == file and f.span.line == line]
    assert len(hits) == 1, (
        f"expected one {rule} at {file}:{line}, got: "
        + "; ".join(f"{f.location} {f.rule} {f.message}" for f in report.findings)
    )
    return hits[0]


def add_columns_later(design: Path) -> None:
    """Two columns of notes that a third migration adds (one unique, both commented)."""
    edit(design / "tables/notes.yaml", "      - {name: tag, type: varchar(40)}\n",
         "      - {name: tag, type: varchar(40)}\n"
         "      - {name: pinned, type: boolean, nullable: false, default: false,"
         " technical: ordering, description: Shown first.}\n"
         "      - {name: slug, type: varchar(80), unique: true, technical: search,"
         " description: The note's address.}\n")
    migrations = design / "migrations.yaml"
    migrations.write_text(migrations.read_text("utf-8") + (
        '  - id: "0003_pins_and_slugs"\n    description: Pinned notes and note addresses.\n'
        "    steps:\n      - add_column: {table: notes, column: pinned}\n"
        "      - add_column: {table: notes, column: slug}\n"
        "    rollback: Drop both columns again.\n"), "utf-8")


def drop_column_later(design: Path) -> None:
    """A third migration drops notes.legacy, a column the schema no longer has (`from:`)."""
    migrations = design / "migrations.yaml"
    migrations.write_text(migrations.read_text("utf-8") + (
        '  - id: "0003_no_legacy"\n    description: The legacy column goes.\n'
        "    steps:\n      - drop_column: {table: notes, column: legacy,"
        " from: {type: varchar(20), nullable: false, default: \"'none'\"}}\n"
        "    rollback: The column comes back with its default; its values are gone.\n"
        "    lock_timeout: 5s\n    statement_timeout: 1min\n"
        "    destructive: {acknowledged: true, note: Nothing has read legacy since 0002.}\n"),
        "utf-8")


DATABASE_URL_ENV = "DESIGNGATE_TEST_DATABASE_URL"


def database_url() -> str:
    """The test server's URL; skips without one, but fails under CI=true (never a skip)."""
    import pytest
    from designgate.db.verify import VerifyError, connect

    url = os.environ.get(DATABASE_URL_ENV)
    why = ""
    if not url:
        why = (f"{DATABASE_URL_ENV} is not set (a PostgreSQL URL whose user may create "
               "databases and roles)")
    else:
        try:
            connect(url).close()
        except VerifyError as exc:
            why = f"PostgreSQL at {DATABASE_URL_ENV} is not usable: {exc}"
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)
    assert url is not None
    return url


TENANT = "(select current_setting('app.workspace_id', true)::uuid)"
USER = "(select current_setting('app.user_id', true)::uuid)"


def set_policy(example: Path, name: str, key: str, new: str) -> int:
    """Replace ``key`` (using/with_check) of policy ``name`` in ``example/auth.yaml``;
    returns the line of the key."""
    auth = example / "auth.yaml"
    text = auth.read_text("utf-8")
    start = text.index(f"  - name: {name}\n")
    end = text.find("\n  - name: ", start + 1)
    end = len(text) if end < 0 else end
    block = text[start:end]
    lines = block.split("\n")
    out, skipping = [], False
    for line in lines:
        if line.startswith(f"    {key}:"):
            out.append(f"    {key}: {new}")
            skipping = True
            continue
        if skipping and line.startswith("      "):
            continue
        skipping = False
        out.append(line)
    assert any(line.startswith(f"    {key}: ") for line in out), (name, key)
    auth.write_text(text[:start] + "\n".join(out) + text[end:], "utf-8")
    return line_of(auth, f"    {key}: {new}")


def drop_tenant_from_comment_fk(example: Path) -> Path:
    """The example's comments reference their task by task_id alone, not (workspace_id,
    task_id): the H2 defect. Returns the edited tables file."""
    tables = example / "tables/comments.yaml"
    edit(tables, "        technical: foreign-key\n        nullable: false\n      - name: author_id",
         "        technical: foreign-key\n        nullable: false\n"
         "        references: {table: tasks, column: id, on_delete: cascade}\n"
         "      - name: author_id")
    edit(tables, "    foreign_keys:\n      - columns: [workspace_id, task_id]\n"
                 "        references: {table: tasks, columns: [workspace_id, id]}\n"
                 "        on_delete: cascade\n", "")
    return tables


def search_path_without_pg_temp(example: Path) -> None:
    """is_workspace_member() of the example with `SET search_path = public` (H1)."""
    edit(example / "migrations.yaml", "CREATE FUNCTION is_workspace_member(target_workspace_id uuid) RETURNS boolean\n"
            "              LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, "
            "public, pg_temp AS $$",
         "CREATE FUNCTION is_workspace_member(target_workspace_id uuid) RETURNS boolean\n"
            "              LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$")


def append_migration(design: Path, body: str, id: str = "0003_later",
                     rollback: str = "Run the down steps.") -> Path:
    """Add a migration after the scaffold's two (``body``: its keys, indented by four);
    returns the migrations file."""
    m = design / "migrations.yaml"
    m.write_text(m.read_text("utf-8") + f'  - id: "{id}"\n'
                 "    description: A change to tables that already have rows.\n" + body
                 + f"    rollback: {rollback}\n", "utf-8")
    return m


def add_notes_index(design: Path, name: str, columns: str, extra: str = "") -> None:
    """A third index on the scaffold's notes (``extra``: more of its keys, indented by 8)."""
    edit(design / "tables/notes.yaml",
         "        serves: listNotes?tag= — a user's notes with one tag\n",
         "        serves: listNotes?tag= — a user's notes with one tag\n"
         f"      - name: {name}\n        columns: [{columns}]\n{extra}"
         "        serves: listNotes?sort=title\n")


# --- design sites ---------------------------------------------------------------------------


def make_site(root: Path, plugin: str = "", extra: str = "", index: bool = True) -> Path:
    """A mkdocs.yml (material, strict anchors) over ``root/design``; returns the config path."""
    docs = root / "docs"
    docs.mkdir(exist_ok=True)
    if index:
        (docs / "index.md").write_text("# Home\n\nA site.\n", encoding="utf-8")
    cfg = root / "mkdocs.yml"
    cfg.write_text(
        "site_name: Test design\ntheme:\n  name: material\n  font: false\n"
        "validation:\n  anchors: warn\n  unrecognized_links: warn\n" + extra +
        "plugins:\n  - search\n  - designgate:\n      design_dir: design\n" + plugin,
        encoding="utf-8",
    )
    return cfg


def build_site(cfg: Path, strict: bool = True) -> Path:
    config = load_config(str(cfg), strict=strict)
    build(config)
    return Path(config.site_dir)


def page(site: Path, name: str) -> str:
    path = site / "design" / name / "index.html" if name != "index" else site / "design" / "index.html"
    return path.read_text(encoding="utf-8")


def main_text(html: str) -> str:
    """The article's HTML (without the theme's navigation and scripts)."""
    m = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.S)
    assert m, "no article in page"
    return m.group(1)
