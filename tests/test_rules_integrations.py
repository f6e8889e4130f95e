"""Integrations (I): webhooks, events and third-party contracts are fully specified.

The scaffold has no integrations file; each test writes ``design/integrations.yaml`` into
the scaffold copy and asserts the rule id, file and line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Report
from support import assert_finding, check, edit, line_of, only

FILE = "design/integrations.yaml"

COMPLETE = """\
kind: integrations
webhooks:
  - name: note.created
    summary: A note was created.
    fr_ids: [FR-001]
    trigger: createNote succeeds
    payload:
      schema: {$ref: "#/components/schemas/Note"}
      example:
        id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69
        title: Groceries
        created_at: "2026-11-02T09:30:00Z"
        updated_at: "2026-11-02T09:30:00Z"
    signing: {algorithm: hmac-sha256, header: X-Notes-Signature, secret: per subscriber}
    retries: {max_attempts: 5, backoff: exponential, initial_delay: 1s, max_delay: 1h}
    timeout: 10s
events:
  - name: note.deleted
    version: 1
    producer: notes-api
    consumers: [search-indexer]
    channel: notes.events
    fr_ids: [FR-001]
    payload:
      schema:
        type: object
        required: [id]
        properties: {id: {type: string, format: uuid}}
      example: {id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69}
third_party:
  - name: mailer
    provider: Postmark
    purpose: Sends sign-in links.
    fr_ids: [FR-002]
    base_url: https://api.postmarkapp.com
    operations: [{name: send, method: POST, path: /email}]
    auth: {type: api-key, secret: POSTMARK_TOKEN}
    failure_modes:
      - {failure: provider down, handling: queue and retry; the user sees a notice}
    retries: {max_attempts: 3, backoff: exponential}
    timeout: 5s
"""


def write(design: Path, text: str = COMPLETE) -> Path:
    path = design / "integrations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def integration_findings(report: Report) -> list[str]:
    return [f"{f.location} {f.rule} {f.message}" for f in report.findings if f.rule[0] == "I"]


def test_clean_scaffold_has_no_integration_findings(design: Path) -> None:
    assert integration_findings(check(design)) == []


def test_complete_integrations_are_clean(design: Path) -> None:
    write(design)
    report = check(design)
    assert integration_findings(report) == []
    d = report.design
    assert (len(d.webhooks), len(d.events), len(d.third_parties)) == (1, 1, 1)


# --- I001 / I002 payloads ---------------------------------------------------------------------


def test_i001_webhook_without_payload(design: Path) -> None:
    text = COMPLETE
    start = text.index("    payload:\n      schema: {$ref")
    end = text.index("    signing:")
    path = write(design, text[:start] + text[end:])
    report = check(design)
    f = assert_finding(report, "I001", FILE, line_of(path, "- name: note.created"))
    assert "webhook 'note.created'" in f.message
    assert_finding(report, "I002", FILE, line_of(path, "- name: note.created"))


def test_i001_event_payload_without_schema(design: Path) -> None:
    text = COMPLETE
    start = text.index("      schema:\n        type: object")
    end = text.index("      example: {id:")
    path = write(design, text[:start] + text[end:])
    report = check(design)
    f = assert_finding(report, "I001", FILE, line_of(path, "payload:", 2))
    assert "event 'note.deleted' v1" in f.message
    assert only(report, "I002") == []


def test_i002_payload_without_example(design: Path) -> None:
    path = write(design, COMPLETE.replace(
        "      example: {id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69}\n", ""))
    report = check(design)
    f = assert_finding(report, "I002", FILE, line_of(path, "payload:", 2))
    assert "no payload example" in f.message
    assert only(report, "I001") == []


# --- I003 / I004 / I005 / I008 third-party contracts ----------------------------------------


@pytest.mark.parametrize(
    ("rule", "line_text", "key"),
    [
        ("I003", "    auth: {type: api-key, secret: POSTMARK_TOKEN}\n", "auth"),
        ("I004", "    failure_modes:\n      - {failure: provider down, handling: queue and "
                 "retry; the user sees a notice}\n", "failure_modes"),
        ("I005", "    retries: {max_attempts: 3, backoff: exponential}\n", "retries"),
        ("I008", "    timeout: 5s\n", "timeout"),
    ],
)
def test_third_party_missing_part(design: Path, rule: str, line_text: str, key: str) -> None:
    assert line_text in COMPLETE
    path = write(design, COMPLETE.replace(line_text, ""))
    report = check(design)
    f = assert_finding(report, rule, FILE, line_of(path, "- name: mailer"))
    assert "'mailer'" in f.message and f"`{key}:`" in f.message
    assert [x.rule for x in report.findings if x.rule[0] == "I"] == [rule]


def test_i004_empty_failure_modes(design: Path) -> None:
    path = write(design, COMPLETE.replace(
        "    failure_modes:\n      - {failure: provider down, handling: queue and retry; the "
        "user sees a notice}\n", "    failure_modes: []\n"))
    assert_finding(check(design), "I004", FILE, line_of(path, "failure_modes: []"))


# --- I006 / I007 webhooks -----------------------------------------------------------------------


def test_i006_webhook_without_signing(design: Path) -> None:
    path = write(design, COMPLETE.replace(
        "    signing: {algorithm: hmac-sha256, header: X-Notes-Signature, secret: per "
        "subscriber}\n", ""))
    report = check(design)
    f = assert_finding(report, "I006", FILE, line_of(path, "- name: note.created"))
    assert f.severity.name == "WARNING"


@pytest.mark.parametrize(("algorithm", "why"), [
    ("none", "`algorithm: none`"),
    ("sha256", "an unkeyed or unknown algorithm (sha256)"),
    ("hmac-sha1", "a broken hash (hmac-sha1)"),
    ("md5", "a broken hash (md5)"),
])
def test_i006_a_signature_that_proves_nothing(design: Path, algorithm: str, why: str) -> None:
    """Before: `signing: {algorithm: none}` satisfied the rule."""
    path = write(design, COMPLETE.replace("signing: {algorithm: hmac-sha256,",
                                          f"signing: {{algorithm: {algorithm},"))
    f = assert_finding(check(design), "I006", FILE, line_of(path, "signing:"))
    assert why in f.message


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "HMAC-SHA512", "ed25519"])
def test_i006_real_signatures_pass(design: Path, algorithm: str) -> None:
    write(design, COMPLETE.replace("signing: {algorithm: hmac-sha256,",
                                   f"signing: {{algorithm: {algorithm},"))
    assert only(check(design), "I006") == []


def test_i007_webhook_without_retries(design: Path) -> None:
    path = write(design, COMPLETE.replace(
        "    retries: {max_attempts: 5, backoff: exponential, initial_delay: 1s, max_delay: 1h}\n",
        ""))
    report = check(design)
    f = assert_finding(report, "I007", FILE, line_of(path, "- name: note.created"))
    assert f.severity.name == "WARNING"


# --- release mode mvp: "Integration points: core only" -----------------------------------------


BARE = """\
kind: integrations
webhooks:
  - name: note.shared
    fr_ids: [FR-003]
third_party:
  - name: translator
    provider: DeepL
    fr_ids: [FR-003]
"""


def _add_later_requirement(design: Path) -> None:
    prd = design / "prd.yaml"
    prd.write_text(prd.read_text(encoding="utf-8") + (
        "  - id: FR-003\n"
        "    title: Share notes\n"
        "    priority: P1\n"
        "    mvp: false\n"
    ), encoding="utf-8")


def test_mvp_defers_integrations_outside_the_mvp(design: Path) -> None:
    _add_later_requirement(design)
    write(design, BARE)
    assert len(integration_findings(check(design))) == 8  # full release: all checked
    edit(design / "project.yaml", "release: full", "release: mvp")
    assert integration_findings(check(design)) == []


def test_mvp_still_checks_core_integrations(design: Path) -> None:
    _add_later_requirement(design)
    path = write(design, BARE.replace("fr_ids: [FR-003]", "fr_ids: [FR-003, FR-001]", 1))
    edit(design / "project.yaml", "release: full", "release: mvp")
    report = check(design)
    assert {f.rule for f in only(report, "I001") + only(report, "I006")} == {"I001", "I006"}
    assert all(f.span is not None and f.span.line == line_of(path, "- name: note.shared")
               for f in report.findings if f.rule[0] == "I")
