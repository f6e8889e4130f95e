"""The rule registry and the repository's own design stay consistent with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from designgate.export import schema_documents
from designgate.rules.registry import FAMILIES, all_rules
from support import REPO, check

TESTS = Path(__file__).resolve().parent


def test_every_rule_is_documented() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"[A-Z][0-9]{3}", r.id), r.id
        assert r.id[0] in FAMILIES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.id
        assert r.summary.endswith("."), r.id
        sentences = re.findall(r"[.!?:](?:\s|$)", r.explanation)
        assert len(sentences) >= 2, f"{r.id}: explain what, why and how to fix"


def test_every_rule_is_triggered_by_some_test() -> None:
    """Each rule id appears in a rule or loader test (those assert rule, file and line)."""
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in TESTS.glob("test_*.py")
        if p.name not in ("test_registry.py", "test_docs.py", "test_cli.py", "test_formats.py")
    )
    missing = [r.id for r in all_rules() if not re.search(rf"[\"']{r.id}[\"']", text)]
    assert missing == []


def test_the_example_design_checks_clean_with_zero_findings() -> None:
    report = check(REPO / "design")
    assert [f"{f.location} {f.rule} {f.message}" for f in report.findings] == []
    # Two endpoints reach their tables through another database role on purpose, and say why.
    assert sorted((f.rule, f.location) for f in report.waived) == [
        ("A013", "design/api/invitations.yaml:175:14"),
        ("A013", "design/api/invitations.yaml:175:53"),
        ("A013", "design/api/workspaces.yaml:36:13"),
    ]
    assert all(f.waived_by and len(f.waived_by) > 80 for f in report.waived)
    d = report.design
    resources = {ep.resource for ep in d.endpoints}
    assert len(resources) >= 6 and len(d.endpoints) >= 25
    assert len(d.tables) >= 8 and len(d.roles) >= 4
    assert any(ep.is_list and ep.filters and ep.sorts for ep in d.endpoints)
    assert d.webhooks and d.third_parties
    assert 0 < sum(r.mvp for r in d.requirements) < len(d.requirements)


def test_committed_editor_schemas_match_the_format() -> None:
    """`.designgate/schema/` (what the example's `$schema=` comments point at) is current."""
    folder = REPO / ".designgate" / "schema"
    for name, content in schema_documents().items():
        on_disk = json.loads((folder / name).read_text(encoding="utf-8"))
        assert on_disk == json.loads(content), (
            f"{name} is stale: run `designgate schema --out .designgate/schema --force`"
        )
