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
    # Endpoints that reach their tables through another database role declare it (runs_as);
    # nothing is waived.
    assert report.waived == []
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
