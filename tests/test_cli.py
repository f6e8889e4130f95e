"""The ``designgate`` command: every command, exit code and output format, via click's runner.

One test runs the real interpreter (``python -m designgate``) to prove the entry point works.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from designgate.cli import main as cli_main
from designgate.cli.main import cli
from designgate.export import SCHEMA_DIR, schema_documents
from designgate.load.format import KINDS, SCHEMAS_BY_KIND, any_file_schema
from designgate.rules.registry import all_rules
from support import edit, line_of

NOTES = "design/api/notes.yaml"
CLEAN = "0 errors, 0 warnings, 0 infos (0 waived)"


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def one_error_line(result: Result) -> str:
    """stderr is exactly one line, the documented error line; stdout is empty."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return lines[0]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture
def broken(design: Path) -> Path:
    """The scaffold with one error (L003), one waived L003 and one warning (unused waiver)."""
    api = design / "api" / "notes.yaml"
    edit(api, "    summary: Create a note\n", "    summary: Create a note\n    colour: red\n")
    edit(api, "    summary: Get one note\n", "    summary: Get one note\n    shade: blue\n"
         "    waivers: [{rule: L003, reason: 'Kept for the legacy client.'}]\n")
    edit(api, "    summary: Delete a note\n", "    summary: Delete a note\n"
         "    waivers: [{rule: L004, reason: 'Nothing to waive.'}]\n")
    return design


# --- check -------------------------------------------------------------------------------


def test_check_clean_scaffold_exits_0(design: Path) -> None:
    result = run("check", design)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [CLEAN]
    assert result.stderr == ""


def test_check_text_lists_findings_and_exits_1(broken: Path) -> None:
    api = broken / "api" / "notes.yaml"
    result = run("check", broken)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{NOTES}:{line_of(api, 'colour: red')}:5 L003 error unknown key 'colour'",
        f"{NOTES}:{line_of(api, 'rule: L004')}:15 L018 warning "
        "waiver of L004 matches no finding here; remove it",
        "1 error, 1 warning, 0 infos (1 waived)",
    ]
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_check_show_waived_prints_the_reason(broken: Path) -> None:
    api = broken / "api" / "notes.yaml"
    result = run("check", broken, "--show-waived")
    line = f"{NOTES}:{line_of(api, 'shade: blue')}:5 L003 error unknown key 'shade'"
    shown = [x for x in result.stdout.splitlines() if x.startswith(line)]
    assert len(shown) == 1 and shown[0].endswith("[waived: Kept for the legacy client.]")


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("warning", 1), ("never", 0)])
def test_fail_on_thresholds_with_an_error(broken: Path, fail_on: str, code: int) -> None:
    assert run("check", broken, "--fail-on", fail_on).exit_code == code


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1),
                                               ("never", 0)])
def test_fail_on_thresholds_with_only_a_warning(design: Path, fail_on: str, code: int) -> None:
    edit(design / "api" / "notes.yaml", "    summary: Delete a note\n",
         "    summary: Delete a note\n    waivers: [{rule: L004, reason: 'Nothing.'}]\n")
    result = run("check", design, "--fail-on", fail_on)
    assert result.exit_code == code
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning, 0 infos (0 waived)"


def test_check_json(broken: Path) -> None:
    result = run("check", broken, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["version"], doc["tool"]) == (1, "designgate")
    assert doc["summary"]["errors"] == 1 and doc["summary"]["failed"] is True
    assert [f["rule"] for f in doc["findings"]] == ["L003", "L018"]
    assert doc["findings"][0]["pointer"] == "/endpoints/1/colour"
    assert doc["findings"][0]["file"] == NOTES
    (waived,) = doc["waived"]
    assert waived["reason"] == "Kept for the legacy client."


def test_check_sarif(broken: Path) -> None:
    result = run("check", broken, "--format", "sarif")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    run0 = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert {r["id"] for r in run0["tool"]["driver"]["rules"]} == {r.id for r in all_rules()}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run0["results"]}
    assert uris == {NOTES}
    assert sum(1 for r in run0["results"] if "suppressions" in r) == 1


def test_check_github(broken: Path) -> None:
    api = broken / "api" / "notes.yaml"
    result = run("check", broken, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"::error file={NOTES},line={line_of(api, 'colour: red')},col=5,"
                        "title=L003::unknown key 'colour'")
    assert lines[1].startswith("::warning file=")
    assert lines[-1] == "designgate: 1 error, 1 warning, 0 infos (1 waived)"


def test_missing_design_dir_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run("check", tmp_path / "nowhere")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith("designgate: error: design directory ")
    assert "does not exist" in line


def test_design_dir_without_files_exits_2(tmp_path: Path) -> None:
    (tmp_path / "design").mkdir()
    result = run("check", tmp_path / "design")
    assert result.exit_code == 2
    assert one_error_line(result).startswith("designgate: error: no design files")


def test_usage_errors_exit_2_with_one_line(design: Path) -> None:
    result = run("check", design, "--format", "xml")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith("designgate: error: Invalid value for '--format'")
    assert line.endswith("(see 'designgate check --help')")
    assert run("check", design, "--fail-on", "sometimes").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_unexpected_exception_is_one_line(design: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("the engine\nbroke")

    monkeypatch.setattr(cli_main, "check_design", boom)
    result = run("check", design)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        "designgate: internal error: RuntimeError: the engine broke "
        "(run with DESIGNGATE_DEBUG=1 for the traceback)"
    )
    debug = run("check", design, env={"DESIGNGATE_DEBUG": "1"})
    assert isinstance(debug.exception, RuntimeError)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_main._color(_Tty()) is True
    assert cli_main._color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_main._color(_Tty()) is False
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset (no-color.org)
    assert cli_main._color(_Tty()) is True


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == "designgate, version 0.1.0"


# --- init --------------------------------------------------------------------------------


def test_init_writes_a_clean_design_and_its_schemas(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    result = run("init", target)
    assert result.exit_code == 0, result.output
    written = [line for line in result.stdout.splitlines() if line.startswith(str(target))]
    assert sorted(written) == sorted(str(p) for p in target.rglob("*") if p.is_file())
    assert (target / "design" / "project.yaml").is_file()
    assert "Next steps" in result.stdout
    assert f"designgate check {target / 'design'}" in result.stdout
    for name, content in schema_documents().items():
        assert (target / SCHEMA_DIR / name).read_bytes() == content
    check = run("check", target / "design")
    assert check.exit_code == 0, check.output
    assert check.stdout.splitlines() == [CLEAN]


def test_init_schema_comments_resolve(tmp_path: Path) -> None:
    run("init", tmp_path)
    files = sorted((tmp_path / "design").rglob("*.yaml"))
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, f"{path} lacks the schema comment"
        schema_path = (path.parent / match.group(1)).resolve()
        assert schema_path.is_file(), f"{path}: {match.group(1)} does not resolve"
        kind = json.loads(schema_path.read_text())["properties"]["kind"]["const"]
        assert f"kind: {kind}\n" in path.read_text(encoding="utf-8")


def test_init_refuses_when_any_file_exists_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "design").mkdir()
    (tmp_path / "design" / "prd.yaml").write_text("mine\n")
    (tmp_path / "notes.txt").write_text("unrelated\n")
    before = tree(tmp_path)
    result = run("init", tmp_path)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith(f"designgate: error: '{tmp_path / 'design' / 'prd.yaml'}' already exists")
    assert tree(tmp_path) == before
    assert not (tmp_path / SCHEMA_DIR).exists()


def test_init_refuses_to_mix_into_an_existing_design(tmp_path: Path) -> None:
    (tmp_path / "design" / "api").mkdir(parents=True)
    (tmp_path / "design" / "api" / "tasks.yaml").write_text("kind: endpoints\n")
    result = run("init", tmp_path)
    assert result.exit_code == 2
    assert one_error_line(result).startswith(
        f"designgate: error: '{tmp_path / 'design' / 'api' / 'tasks.yaml'}' already exists")
    assert tree(tmp_path) == {"design/api/tasks.yaml": b"kind: endpoints\n"}


def test_init_twice_refuses_and_names_the_first_file(tmp_path: Path) -> None:
    assert run("init", tmp_path).exit_code == 0
    before = tree(tmp_path)
    result = run("init", tmp_path)
    assert result.exit_code == 2
    assert f"'{tmp_path / SCHEMA_DIR / 'auth.json'}' already exists" in one_error_line(result)
    assert tree(tmp_path) == before


def test_init_into_a_file_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = run("init", target)
    assert result.exit_code == 2
    assert "is not a directory" in one_error_line(result)


# --- schema ------------------------------------------------------------------------------


def test_schema_exports_every_kind(tmp_path: Path) -> None:
    out = tmp_path / "schema"
    result = run("schema", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{k}.json" for k in KINDS]
                                                           + ["design.json"])
    for kind in KINDS:
        assert json.loads((out / f"{kind}.json").read_text()) == SCHEMAS_BY_KIND[kind]
    assert json.loads((out / "design.json").read_text()) == any_file_schema()
    assert len(result.stdout.splitlines()) == len(KINDS) + 1
    assert result.stderr.strip() == f"13 written, 0 unchanged in {out}"


def test_schema_export_is_idempotent_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "schema"
    run("schema", "--out", out)
    again = run("schema", "--out", out)
    assert again.exit_code == 0
    assert again.stdout == ""
    assert again.stderr.strip() == f"0 written, 13 unchanged in {out}"

    (out / "auth.json").write_text("{}\n")
    (out / "tables.json").unlink()
    refused = run("schema", "--out", out)
    assert refused.exit_code == 2
    assert f"'{out / 'auth.json'}' exists and differs" in one_error_line(refused)
    assert (out / "auth.json").read_text() == "{}\n"
    assert not (out / "tables.json").exists()  # nothing written on refusal

    forced = run("schema", "--out", out, "--force")
    assert forced.exit_code == 0
    assert sorted(forced.stdout.splitlines()) == [str(out / "auth.json"), str(out / "tables.json")]
    assert json.loads((out / "auth.json").read_text()) == SCHEMAS_BY_KIND["auth"]


def test_file_system_refusal_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run("schema", "--out", tmp_path / "file" / "sub")
    assert result.exit_code == 2
    assert one_error_line(result) == f"designgate: error: {tmp_path / 'file' / 'sub'}: Not a directory"


# --- rules and explain ---------------------------------------------------------------------


def test_rules_lists_the_registry() -> None:
    ids = [r.id for r in all_rules()]
    text = run("rules")
    assert text.exit_code == 0
    assert [line.split()[0] for line in text.stdout.splitlines()] == ids
    as_json = run("rules", "--format", "json")
    assert [r["id"] for r in json.loads(as_json.stdout)["rules"]] == ids
    md = run("rules", "--format", "markdown")
    assert len(md.stdout.splitlines()) == len(ids) + 2


@pytest.mark.parametrize("name", ["L018", "l018", "unused-waiver", "Unused-Waiver"])
def test_explain_by_id_or_name(name: str) -> None:
    result = run("explain", name)
    assert result.exit_code == 0
    assert result.stdout.startswith("# L018 unused-waiver\n")
    assert "stale" in result.stdout  # from the rule's explanation


def test_explain_unknown_rule_suggests() -> None:
    result = run("explain", "L0018")
    assert result.exit_code == 2
    assert one_error_line(result) == "designgate: error: unknown rule 'L0018'; did you mean 'L018'?"
    far = run("explain", "nothing-like-it")
    assert far.exit_code == 2
    assert one_error_line(far).endswith("; run 'designgate rules' for the list")


# --- build -------------------------------------------------------------------------------


def test_build_clean_writes_and_lists_outputs(design: Path) -> None:
    out = design.parent / "out"
    result = run("build", design, "--out", out)
    assert result.exit_code == 0, result.output
    written = result.stdout.splitlines()
    assert written, "build wrote nothing"
    for line in written:
        assert Path(line).is_file(), line
        assert Path(line).resolve().is_relative_to(out.resolve())
    assert CLEAN in result.stderr  # findings go to stderr, stdout stays the file list


def test_build_with_findings_writes_but_exits_1(broken: Path) -> None:
    out = broken.parent / "out"
    result = run("build", broken, "--out", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines() and all(Path(p).is_file() for p in result.stdout.splitlines())
    assert "L003 error unknown key 'colour'" in result.stderr
    assert run("build", broken, "--out", out, "--fail-on", "never").exit_code == 0


def test_build_github_annotations_go_to_stdout(broken: Path) -> None:
    result = run("build", broken, "--out", broken.parent / "out", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=design/api/notes.yaml,")


def test_build_refuses_foreign_files(design: Path) -> None:
    out = design.parent / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me\n")
    result = run("build", design, "--out", out)
    assert result.exit_code == 2
    # The check report comes first (stderr), then the one-line refusal; no file listed.
    assert result.stderr.splitlines()[0] == CLEAN
    assert result.stderr.splitlines()[1].startswith("designgate: error: ")
    assert len(result.stderr.splitlines()) == 2 and result.stdout == ""
    assert tree(out) == {"mine.txt": b"keep me\n"}
    forced = run("build", design, "--out", out, "--force")
    assert forced.exit_code == 0, forced.output


def test_build_missing_design_writes_nothing(tmp_path: Path) -> None:
    result = run("build", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert one_error_line(result).startswith("designgate: error: design directory")
    assert not (tmp_path / "out").exists()


def test_build_requires_out(design: Path) -> None:
    result = run("build", design)
    assert result.exit_code == 2
    assert "--out" in one_error_line(result)


# --- the real entry point ------------------------------------------------------------------


def test_python_dash_m_entry_point(design: Path, tmp_path: Path) -> None:
    def designgate(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "designgate", *map(str, args)],
                              capture_output=True, text=True, timeout=120, check=False,
                              cwd=design.parent)

    # No DESIGN_DIR: `design` in the working directory.
    clean = designgate("check")
    assert (clean.returncode, clean.stdout.strip(), clean.stderr) == (0, CLEAN, "")
    edit(design / "prd.yaml", "    priority: P0\n", "    priority: P0\n    prio: high\n")
    failing = designgate("check", design, "--format", "json")
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["findings"][0]["rule"] == "L003"
    missing = designgate("check", tmp_path / "nowhere")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("designgate: error: ")


def test_paths_are_relative_to_the_working_directory(design: Path, tmp_path: Path) -> None:
    """A design below the working directory is reported with its path from there."""
    nested = tmp_path / "services" / "api"
    nested.mkdir(parents=True)
    design.rename(nested / "design")
    edit(nested / "design" / "prd.yaml", "    priority: P0\n", "    priority: P0\n    prio: high\n")
    run = subprocess.run(
        [sys.executable, "-m", "designgate", "check", "services/api/design", "--format", "github"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "file=services/api/design/prd.yaml," in run.stdout
