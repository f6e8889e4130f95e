"""The user documentation cannot drift from the code it documents.

- every field of every kind's JSON Schema has a row (with the right "required") in the table of
  its object on ``guide/format/<kind>.md`` (package data), and no row documents a field that does not exist;
- every complete YAML example on a format page validates against its kind's schema;
- every rule id the pages mention exists, and every rule with a check is listed on some page;
- the CLI page documents every command and option, and the output-formats page every JSON field;
- relative links between pages resolve, anchors included.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
from click.testing import CliRunner
from designgate.cli.main import cli
from designgate.load.format import KINDS, PAYLOAD_SCHEMA, SCHEMAS_BY_KIND, WAIVERS
from designgate.load.yaml_source import read_yaml
from designgate.rules.registry import all_rules
from support import REPO

DOCS = REPO / "plugins" / "designgate" / "guide"
ROOT_HEADING = "Top-level keys"


def objects(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every object schema with ``properties`` inside ``schema``, with its documented path:
    ``endpoints[].filters[]``, ``endpoints[].path_params.<name>``; ``""`` is the file."""
    if schema is WAIVERS or schema is PAYLOAD_SCHEMA:
        return []  # waivers are documented once (index.md); payloads are JSON Schema
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return objects(schema["items"], path + "[]")
    out: list[tuple[str, dict[str, Any]]] = []
    for branch in schema.get("oneOf", []):
        out += objects(branch, path)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and "properties" not in schema:
        out += objects(extra, path + ".<name>")
    if "properties" in schema:
        out.append((path, schema))
        for key, sub in schema["properties"].items():
            out += objects(sub, f"{path}.{key}" if path else key)
    return out


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every Markdown heading outside code blocks."""
    out: list[tuple[str, list[str]]] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("#"):
            out.append((line.lstrip("#").strip(), []))
        elif out:
            out[-1][1].append(line)
    return [(h, "\n".join(body)) for h, body in out]


def table_rows(body: str) -> dict[str, str]:
    """First column (a `code` field name) → the third column (Required) of every table row."""
    rows: dict[str, str] = {}
    for line in body.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) >= 3 and re.fullmatch(r"`[^`]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[2]
    return rows


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)


def page(kind: str) -> str:
    return (DOCS / "format" / f"{kind}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_field_is_documented_in_its_table(kind: str) -> None:
    secs = sections(page(kind))
    for path, schema in objects(SCHEMAS_BY_KIND[kind]):
        marker = ROOT_HEADING if path == "" else f"`{path}`"
        found = [body for heading, body in secs if marker in heading]
        assert len(found) == 1, f"{kind}.md: no (or several) heading naming {marker}"
        rows = table_rows(found[0])
        required = set(schema.get("required", []))
        documented = {k for k in schema["properties"] if k != "waivers"}
        assert set(rows) - {"waivers"} == documented, f"{kind}.md {marker}: fields differ"
        assert ("waivers" in rows) == ("waivers" in schema["properties"]), (
            f"{kind}.md {marker}: the waivers row must be there exactly when the item is waivable"
        )
        for field, req in rows.items():
            assert (req == "yes") == (field in required), f"{kind}.md {marker}: `{field}` required?"


@pytest.mark.parametrize("kind", KINDS)
def test_complete_examples_validate(kind: str) -> None:
    examples = [b for b in code_blocks(page(kind), "yaml") if re.search(r"^kind: ", b, re.M)]
    assert examples, f"{kind}.md has no complete example"
    validator = jsonschema.Draft202012Validator(SCHEMAS_BY_KIND[kind])
    for block in examples:
        doc = read_yaml(block)
        assert not doc.problems, doc.problems
        assert doc.data["kind"] == kind
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc.data)]
        assert errors == [], f"{kind}.md example: {errors}"


def test_rule_ids_in_docs_exist_and_every_checked_rule_is_documented() -> None:
    known = {r.id for r in all_rules()}
    mentioned: set[str] = set()
    for md in DOCS.rglob("*.md"):
        ids = set(re.findall(r"\b([LHTNRPESAIOQG]\d{3})\b", md.read_text(encoding="utf-8")))
        assert ids <= known, f"{md.relative_to(REPO)} mentions unknown rules {ids - known}"
        if md.parent.name == "format":
            mentioned |= ids
    checked = {r.id for r in all_rules() if r.check is not None}
    missing = sorted(checked - mentioned - _expand_ranges(DOCS / "format"))
    assert missing == [], (
        f"rules no format page lists: {missing}; add each to the 'Rules that read it' table "
        "of guide/format/<kind>.md for the kinds it reads"
    )


def _expand_ranges(folder: Path) -> set[str]:
    """A range on a page (``I001-I008``, en dash or hyphen) mentions I001 to I008."""
    out: set[str] = set()
    for md in folder.glob("*.md"):
        for fam, lo, hi in re.findall(r"\b([A-Z])(\d{3})[–-]\1(\d{3})\b",
                                      md.read_text(encoding="utf-8")):
            out |= {f"{fam}{n:03d}" for n in range(int(lo), int(hi) + 1)}
    return out


def _slug(heading: str) -> str:
    # Python-Markdown's toc slugify: drop markup and punctuation, spaces become dashes.
    text = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


#: Guide pages the site generates (from the rule registry and the change catalog).
GENERATED_PAGES = {"rules.md", "change-checks.md"}


def test_relative_links_resolve() -> None:
    for md in DOCS.rglob("*.md"):
        text = md.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (md.parent / file_part).resolve() if file_part else md
            if dest.parent == DOCS.resolve() and dest.name in GENERATED_PAGES:
                continue  # rendered by the site from the registries (tests/test_site.py)
            assert dest.is_file(), f"{md.relative_to(REPO)}: broken link {target}"
            if anchor:
                slugs = {_slug(h) for h, _ in sections(dest.read_text(encoding="utf-8"))}
                assert anchor in slugs, f"{md.relative_to(REPO)}: no anchor #{anchor} in {dest.name}"


def _command_section(name: str) -> str:
    secs = dict(sections((DOCS / "cli.md").read_text(encoding="utf-8")))
    return secs[f"`designgate {name}`"]


def _leaf_commands() -> list[str]:
    """Every command, groups expanded: 'check', ..., 'gate status', 'intervention new'."""
    out = []
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            out += [f"{name} {sub}" for sub in command.commands]
        else:
            out.append(name)
    return sorted(out)


@pytest.mark.parametrize("name", _leaf_commands())
def test_cli_page_documents_every_command_and_option(name: str) -> None:
    body = _command_section(name)
    group, _, sub = name.partition(" ")
    command = cli.commands[group]
    if sub:
        assert isinstance(command, click.Group)
        command = command.commands[sub]
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}" in body, f"cli.md: {name} does not document {opt}"
            if isinstance(param.type, click.Choice):
                for choice in param.type.choices:
                    assert str(choice) in body, f"cli.md: {name} {param.opts[0]} {choice}"
        elif isinstance(param, click.Argument):
            assert f"`{param.human_readable_name}`" in body or param.human_readable_name in body


def test_cli_page_names_every_file_build_writes(design: Path) -> None:
    out = design.parent / "out"
    result = CliRunner().invoke(cli, ["build", str(design), "--out", str(out)])
    assert result.exit_code == 0, result.output
    body = _command_section("build")
    for line in result.stdout.splitlines():
        assert f"`{Path(line).name}`" in body, f"cli.md does not name {Path(line).name}"


def test_output_formats_page_documents_every_json_field(design: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(design), "--format", "json"])
    doc = json.loads(result.stdout)
    secs = dict(sections((DOCS / "output-formats.md").read_text(encoding="utf-8")))
    assert set(table_rows(secs["Top level"])) == set(doc)
    assert set(table_rows(secs["`summary`"])) == set(doc["summary"])
    finding_fields = set(table_rows(secs["A finding"]))
    assert finding_fields == {"rule", "severity", "message", "file", "line", "column", "pointer"}
    assert "`reason`" in secs["A finding"]


def test_getting_started_walkthrough_matches_the_tool(tmp_path: Path) -> None:
    """The page's init → break → check example prints exactly what the page shows."""
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    shown = next(b for b in code_blocks(text, "text") if " T001 " in b).splitlines()
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "my-api")]).exit_code == 0
    api = tmp_path / "my-api" / "design" / "api" / "notes.yaml"
    lines = api.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "id: createNote" in line)
    drop = next(i for i in range(start, len(lines)) if lines[i] == "    fr_ids: [FR-001]\n")
    api.write_text("".join(lines[:drop] + lines[drop + 1:]), encoding="utf-8")
    result = runner.invoke(cli, ["check", str(tmp_path / "my-api" / "design")])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == shown
