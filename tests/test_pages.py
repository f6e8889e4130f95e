"""``designgate pages``: the design site's pages as files, and Zensical building them.

Zensical runs no MkDocs plugin, so the pages must be complete as written: the same pages as
the plugin's, safe without the plugin's sanitiser, linked to each other. Zensical is a test
dependency (pinned in pyproject.toml); under ``CI=true`` a missing one is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from designgate.cli.main import cli
from mkdocs.commands.build import build
from mkdocs.config import load_config
from support import REPO, copy_scaffold
from test_site import assert_inert, poison
from test_site_pages import problems


def pages(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["pages", *args])
    return result.exit_code, result.stdout, result.stderr


def zensical() -> str:
    exe = shutil.which("zensical") or str(Path(sys.executable).parent / "zensical")
    if not Path(exe).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("zensical is not installed (pip install -e '.[test]')")
        pytest.skip("zensical is not installed (pip install -e '.[test]')")
    return exe


def zensical_build(root: Path, docs: Path) -> Path:
    """Zensical, strict, over ``docs`` with the same Markdown extensions as mkdocs.yml."""
    config = root / "zensical.yml"
    text = (REPO / "zensical.yml").read_text(encoding="utf-8")
    # Paths relative to the configuration (Zensical 0.0.73 panics on absolute ones).
    text = text.replace("docs_dir: build/zensical-docs",
                        f"docs_dir: {docs.relative_to(root).as_posix()}")
    text = text.replace("site_dir: build/zensical-site", "site_dir: site")
    config.write_text(text, encoding="utf-8")
    run = subprocess.run([zensical(), "build", "-f", str(config), "--strict"], cwd=root,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return root / "site"


# --- writing the files ---------------------------------------------------------------------


def test_pages_are_written_with_a_manifest_and_replace_only_their_own(tmp_path: Path,
                                                                     monkeypatch) -> None:
    design = copy_scaffold(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "docs" / "design"
    code, stdout, _ = pages("design", "--out", str(out), "--no-gate")
    assert code == 0
    written = {Path(line).relative_to(out).as_posix() for line in stdout.splitlines()}
    for name in ("index.md", "endpoints.md", "api/notes.md", "api/schemas.md",
                 "database/notes.md", "openapi.yaml", "assets/designgate.css",
                 "guide/index.md"):
        assert name in written, name
    manifest = (out / ".designgate-pages").read_text().split()
    assert sorted(manifest) == sorted(written)
    # A file of the user's beside them is kept; a page no longer generated goes.
    (out / "notes-by-me.md").write_text("# Mine\n")
    (design / "tables" / "notes.yaml").rename(design / "tables" / "notes.yaml.off")
    code, stdout, _ = pages("design", "--out", str(out), "--no-gate", "--fail-on", "never")
    assert code == 0
    assert (out / "notes-by-me.md").read_text() == "# Mine\n"
    assert not (out / "database" / "notes.md").exists()


def test_a_file_it_did_not_write_stops_it_before_anything_is_written(tmp_path: Path,
                                                                     monkeypatch) -> None:
    copy_scaffold(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "docs"
    out.mkdir()
    (out / "index.md").write_text("# My home\n")
    code, stdout, stderr = pages("design", "--out", str(out), "--no-gate")
    assert code == 2 and stdout == ""
    errors = [line for line in stderr.splitlines() if line.startswith("designgate: error: ")]
    assert len(errors) == 1 and "did not write" in errors[0]
    assert sorted(p.name for p in out.iterdir()) == ["index.md"]
    assert (out / "index.md").read_text() == "# My home\n"
    code, _, _ = pages("design", "--out", str(out), "--no-gate", "--force")
    assert code == 0 and (out / "index.md").read_text() != "# My home\n"


def test_a_missing_mermaid_script_is_one_line(tmp_path: Path, monkeypatch) -> None:
    copy_scaffold(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, stderr = pages("design", "--out", "out", "--mermaid-js", "nope.js")
    assert code == 2 and "does not exist" in stderr and not (tmp_path / "out").exists()


def test_the_same_pages_as_the_plugin(tmp_path: Path, monkeypatch) -> None:
    """Every design page the MkDocs plugin builds is among the files, with the same title."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "pages"
    code, _, _ = pages("design", "--out", str(out), "--no-gate")
    assert code == 0
    site = tmp_path / "mkdocs"
    build(load_config(str(REPO / "mkdocs.yml"), strict=True, site_dir=str(site)))
    built = {p.parent.relative_to(site / "design").as_posix()
             for p in (site / "design").rglob("index.html")}
    files = {p.relative_to(out).with_suffix("").as_posix().removesuffix("/index")
             .removesuffix("index") for p in out.rglob("*.md")}
    files = {f.rstrip("/") or "." for f in files}
    missing = sorted(b for b in built if b not in files)
    assert missing == []


# --- Zensical ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zensical")
    docs = root / "docs"
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        code, _, stderr = pages("design", "--out", str(docs), "--no-gate")
    finally:
        os.chdir(cwd)
    assert code == 0, stderr
    return zensical_build(root, docs)


def test_zensical_builds_every_design_page(zensical_site: Path) -> None:
    from designgate import load_design

    design = load_design(REPO / "design").design
    for name in ("", "endpoints", "traceability", "api", "api/tasks", "api/schemas",
                 "database", "auth", "integrations", "prioritization", "migrations", "gate",
                 "findings", "changes", "guide"):
        assert (zensical_site / name / "index.html").is_file(), name
    for table in design.tables:
        assert (zensical_site / "database" / table / "index.html").is_file(), table
    html = (zensical_site / "api" / "tasks" / "index.html").read_text("utf-8")
    assert 'id="op-getTask"' in html and "Who may call it:" in html


def test_the_zensical_site_has_no_raw_syntax_or_dead_anchor(zensical_site: Path) -> None:
    """The page scan of the MkDocs site, run on Zensical's (whose pages sit at the root)."""
    site = zensical_site.parent / "scan"
    shutil.copytree(zensical_site, site / "design")
    # The guide is hand-written documentation (its JSON examples are meant): its pages are
    # not scanned, as in the MkDocs site, where it lies outside design/.
    found = problems(site, skip=("design/guide/",))
    assert not found, "\n".join(found[:40])


def test_the_pages_are_safe_without_the_sanitiser(tmp_path: Path, monkeypatch) -> None:
    """Zensical runs no sanitiser: every attack in the design's text must stay text."""
    design = copy_scaffold(tmp_path)
    poison(design)
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    code, _, stderr = pages("design", "--out", str(docs), "--no-gate", "--fail-on", "never")
    assert code == 0, stderr
    site = zensical_build(tmp_path, docs)
    for path in sorted(site.rglob("*.html")):
        assert_inert(path, path.read_text("utf-8"))


def test_a_name_cannot_close_the_title_in_zensical(tmp_path: Path, monkeypatch) -> None:
    """Zensical writes page titles into <title> and the navigation unescaped; the pages state
    safe titles, so a name that closes <title> stays text there."""
    design = copy_scaffold(tmp_path)
    attack = "</title><script>alert(11)</script>"
    text = (design / "api" / "notes.yaml").read_text(encoding="utf-8")
    (design / "api" / "notes.yaml").write_text(
        text.replace("  name: notes\n", f'  name: "notes {attack}"\n', 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    code, _, stderr = pages("design", "--out", str(docs), "--no-gate", "--fail-on", "never")
    assert code == 0, stderr
    site = zensical_build(tmp_path, docs)
    hits = 0
    for path in sorted(site.rglob("*.html")):
        html = path.read_text("utf-8")
        assert "<script>alert(11)" not in html, path
        hits += "alert(11)" in html
    assert hits  # the name is shown, as text
