"""Run every rule over a loaded design: severities from the project config, waivers applied."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from designgate.collector import collector_eased
from designgate.findings import Finding, Severity
from designgate.load.loader import LoadResult, load_design
from designgate.model.design import Design, Waiver
from designgate.rules.registry import Rule, all_rules, iter_checks


@dataclass(slots=True)
class Report:
    """The outcome of a check: active findings (sorted) and the ones waived, with reasons."""

    design: Design
    findings: list[Finding] = field(default_factory=list)
    waived: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, threshold: Severity | None) -> bool:
        """Whether any finding reaches ``threshold`` (None: never fail)."""
        return threshold is not None and any(f.severity >= threshold for f in self.findings)

    @property
    def halted(self) -> list[Finding]:
        """Handoff No-Go findings: the gate halts while any is open."""
        rules = {r.id: r for r in all_rules()}
        return [f for f in self.findings if rules.get(f.rule) and rules[f.rule].halts]


def check_design(
    design_dir: str | os.PathLike[str], root: str | os.PathLike[str] | None = None
) -> Report:
    """Load ``design_dir`` and run every rule. Raises ``DesignLoadError`` only."""
    with collector_eased():
        return run_checks(load_design(design_dir, root))


def run_checks(loaded: LoadResult) -> Report:
    design = loaded.design
    rules = {r.id: r for r in all_rules()}
    raw: list[Finding] = list(loaded.findings)
    for rule in iter_checks():
        assert rule.check is not None
        for hit in rule.check(design):
            span = hit.span or (hit.loc.key_span if hit.key else hit.loc.span)
            raw.append(Finding(rule.id, rule.severity, hit.message, span, hit.loc.pointer))
    raw.extend(_config_findings(design, rules))
    return _finish(design, raw, rules)


def _config_findings(design: Design, rules: dict[str, Rule]) -> list[Finding]:
    out = []
    loc = design.project.loc
    for rule_id in design.project.rules:
        if rule_id not in rules and loc is not None:
            rloc = loc.at("rules", rule_id)
            out.append(Finding("L019", Severity.ERROR, f"unknown rule '{rule_id}' in `rules:`; "
                               "run `designgate rules` for the list", rloc.key_span, rloc.pointer))
    for w in design.waivers:
        if w.rule not in rules:
            out.append(Finding("L019", Severity.ERROR, f"waiver names unknown rule '{w.rule}'",
                               w.waiver_loc.span, w.waiver_loc.pointer))
    return out


def _finish(design: Design, raw: list[Finding], rules: dict[str, Rule]) -> Report:
    config = design.project.rules
    report = Report(design)
    used: set[int] = set()
    for f in raw:
        setting = config.get(f.rule)
        if setting == "off":
            continue
        default = rules[f.rule].severity if f.rule in rules else f.severity
        sev = Severity.parse(setting) if setting else default
        finding = Finding(f.rule, sev, f.message, f.span, f.pointer)
        waiver = _waiver_for(finding, design.waivers)
        if waiver is not None:
            used.add(id(waiver))
            report.waived.append(
                Finding(f.rule, sev, f.message, f.span, f.pointer, waived_by=waiver.reason)
            )
        else:
            report.findings.append(finding)
    for w in design.waivers:
        if id(w) not in used and w.rule in rules and config.get("L018") != "off":
            sev = Severity.parse(config["L018"]) if "L018" in config else rules["L018"].severity
            report.findings.append(Finding(
                "L018", sev, f"waiver of {w.rule} matches no finding here; remove it",
                w.waiver_loc.span, w.waiver_loc.pointer,
            ))
    report.findings.sort(key=Finding.sort_key)
    report.waived.sort(key=Finding.sort_key)
    return report


def _waiver_for(f: Finding, waivers: list[Waiver]) -> Waiver | None:
    if f.span is None or f.rule in ("L017", "L018", "L019"):
        return None
    for w in waivers:
        wp = w.loc.pointer
        if w.rule == f.rule and w.loc.file == f.span.file and f.pointer[: len(wp)] == wp:
            return w
    return None
