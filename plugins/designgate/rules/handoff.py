"""Handoff No-Go (H): the inputs from Product Design that must exist before backend design.

H001-H004 halt the gate (the seed's "Accept Handoff: if any fail → HALT. Notify
orchestrator."); H005-H006 list what reviewers must see; H007-H008 catch dangling
references between the upstream artifacts.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator

from designgate.findings import Severity
from designgate.model.design import Design
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register

FR_ID = re.compile(r"^FR-[A-Za-z0-9][A-Za-z0-9.-]*$")


def scope_name(design: Design) -> str:
    """How the release scope reads in messages."""
    return "MVP-tagged" if design.project.mvp else "P0"


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _sources(design: Design, kind: str) -> list[Loc]:
    return [Loc(s) for s in design.sources if s.kind == kind]


@register("H001", "prd-fr-ids", Severity.ERROR,
          "The PRD is missing, empty, or an in-scope requirement has no valid FR-ID.",
          scope=True, halts=True)
def check_prd(design: Design) -> Iterator[Hit]:
    """
    Backend design starts from the PRD: the seed's first No-Go item is *"PRD exists with
    FR-IDs for all P0 (or MVP) requirements"*, and every endpoint must later be traced to an
    FR-ID. This rule fires when there is no `kind: requirements` file, when it lists no
    requirements, or when a requirement in the release scope (P0 in release mode `full`,
    MVP-tagged in `mvp`) has no `id` or one that is not an FR-ID (`FR-` followed by letters,
    digits, dots or dashes). Any of these **halts the gate**.

    Fix it by adding the PRD (or asking Product Design for it) and giving every in-scope
    requirement its FR-ID:

    ```yaml
    kind: requirements
    requirements:
      - id: FR-001
        title: Write notes
        priority: P0
        mvp: true
    ```
    """
    if not design.has_prd:
        if design.project.loc is not None:
            yield Hit(design.project.loc, "there is no PRD; add a `kind: requirements` file "
                      "with the FR-IDs of the requirements before designing the backend")
        return
    if not design.requirements:
        for loc in _sources(design, "requirements"):
            yield Hit(loc.at("requirements"), "the PRD lists no requirements; add them with "
                      "their FR-IDs, priorities and user stories")
        return
    for req in design.scope_requirements():
        label = f"{scope_name(design)} requirement '{req.title or '(untitled)'}'"
        if req.id is None:
            yield Hit(req.loc, f"{label} has no FR-ID; give it an `id:` such as FR-001")
        elif not FR_ID.match(req.id):
            yield Hit(req.loc.at("id"), f"{label} has id '{req.id}', which is not an FR-ID; "
                      "use the form FR-001")


@register("H002", "data-dictionary", Severity.ERROR,
          "There is no data dictionary (and it was not marked N/A).", halts=True)
def check_dictionary(design: Design) -> Iterator[Hit]:
    """
    The schema is derived from the data dictionary (*"Schema design must align with the data
    dictionary — no ad-hoc columns"*), so the seed's No-Go list requires *"Data dictionary
    exists (or Phase 5b marked N/A in discovery)"*. This rule fires when no `kind: dictionary`
    file exists, or when it defines no entities, unless the file says why the dictionary does
    not apply. It **halts the gate**.

    Fix it by adding the entities from discovery, or record the N/A decision:

    ```yaml
    kind: dictionary
    not_applicable: Stateless proxy; discovery phase 5b marked the dictionary N/A.
    ```
    """
    if design.dictionary_not_applicable is not None:
        return
    if not design.has_dictionary:
        if design.project.loc is not None:
            yield Hit(design.project.loc, "there is no data dictionary; add a `kind: "
                      "dictionary` file with the entities, or one with `not_applicable:` and "
                      "the reason")
        return
    if not design.entities:
        for loc in _sources(design, "dictionary"):
            target = loc.at("entities") if loc.has("entities") else loc.at("kind")
            yield Hit(target, "the data dictionary defines no entities; add them, or say why "
                      "it does not apply with `not_applicable:`")


@register("H003", "story-without-flow", Severity.ERROR,
          "An in-scope user story has no user flow.", scope=True, halts=True)
def check_story_flows(design: Design) -> Iterator[Hit]:
    """
    Endpoints are inventoried from the user flows, so a story without a flow has no designed
    backend path. The seed's No-Go list requires *"User flows exist for every P0 (or MVP)
    user story"*. This rule fires for each story of an in-scope requirement (P0 in release
    mode `full`, MVP-tagged in `mvp`) that no flow lists in its `stories:`. It **halts the
    gate**.

    Fix it by getting the flow from Product Design and listing the story in it:

    ```yaml
    kind: flows
    flows:
      - id: UF-01
        name: Write a note
        stories: [US-001]
        fr_ids: [FR-001]
    ```
    """
    covered = {sid for flow in design.flows for sid in flow.stories}
    for req in design.scope_requirements():
        for story in req.stories:
            if story.id not in covered:
                yield Hit(story.loc, f"user story {story.id} of {scope_name(design)} "
                          f"requirement {req.id or req.title} has no user flow; add a flow "
                          "that lists it in `stories:`")


@register("H004", "screen-without-wireframe", Severity.ERROR,
          "A data-dependent screen has no wireframe spec.", halts=True)
def check_wireframes(design: Design) -> Iterator[Hit]:
    """
    A screen that shows or edits data defines what the API must return, including its empty,
    loading and error states. The seed's No-Go list requires *"Wireframe specs exist for
    data-dependent screens"*. This rule fires for a screen with `data_dependent: true` and no
    `wireframe:`, or whose wireframe shows nothing (no or an empty `shows:`) — a wireframe
    that names no data says nothing about what the API must return. It **halts the gate**.

    Fix it by adding the wireframe spec, naming the dictionary attributes the screen shows:

    ```yaml
    - id: SCR-notes
      name: Note list
      data_dependent: true
      wireframe:
        description: Note titles with their tag, newest first.
        shows: [Note.title, Note.tag]
        states: [empty list, loading, error]
    ```
    """
    for screen in design.screens:
        if screen.data_dependent and screen.wireframe is None:
            yield Hit(screen.loc.at("id"), f"screen {screen.id} is data-dependent but has no "
                      "wireframe spec; add `wireframe:` with what it shows and its states")
        elif screen.data_dependent and screen.wireframe is not None and \
                not [s for s in screen.wireframe.shows if s.strip()]:
            yield Hit(screen.wireframe.loc.at("shows") if screen.wireframe.loc.has("shows")
                      else screen.wireframe.loc, f"the wireframe of data-dependent screen "
                      f"{screen.id} shows no data; list the dictionary attributes it shows "
                      "in `shows:`")


@register("H005", "open-rfi", Severity.INFO,
          "An RFI is still open or escalated.")
def check_rfis(design: Design) -> Iterator[Hit]:
    """
    The seed asks to *"Raise RFIs: list any unclear data dictionary entries, ambiguous
    business rules, or missing integration requirements. Resolve from artifacts or escalate
    to human."* Every RFI with status `open` or `escalated` is listed here so that reviewers
    see the questions the design still depends on. This does not halt the gate.

    Close an RFI by recording its answer:

    ```yaml
    rfis:
      - id: RFI-01
        question: Is the title required?
        status: resolved
        resolution: Yes, 1 to 200 characters (PRD FR-001).
    ```
    """
    if design.handoff is None:
        return
    for rfi in design.handoff.rfis:
        if rfi.status == "open":
            yield Hit(rfi.loc.at("id"), f"RFI {rfi.id} is open: \"{rfi.question}\"; resolve "
                      "it from the artifacts or escalate it to a human")
        elif rfi.status == "escalated":
            owner = f" with {rfi.owner}" if rfi.owner else ""
            yield Hit(rfi.loc.at("id"), f"RFI {rfi.id} is escalated{owner} and unanswered: "
                      f"\"{rfi.question}\"; record the resolution when it comes")


@register("H006", "flagged-assumption", Severity.INFO,
          "An inherited assumption is flagged as affecting the design.")
def check_assumptions(design: Design) -> Iterator[Hit]:
    """
    The seed asks to *"Review inherited Assumptions — flag any that affect API or schema
    design."* Every assumption with `flagged: true` is listed here, with the parts of the
    design it affects, so that reviewers can check the design against it. This does not
    halt the gate; un-flag the assumption once it is confirmed or designed around.

    ```yaml
    assumptions:
      - id: A-01
        text: One tag per note is enough for now.
        affects: [api, schema]
        flagged: true
        note: A tags table would replace the column; the API field stays.
    ```
    """
    if design.handoff is None:
        return
    for a in design.handoff.assumptions:
        if a.flagged:
            affects = ", ".join(a.affects) if a.affects else "the design (unspecified)"
            yield Hit(a.loc.at("id"), f"assumption {a.id} is flagged and affects {affects}: "
                      f"\"{a.text}\"; confirm it or design around it, then un-flag it")


@register("H007", "wireframe-unknown-attribute", Severity.WARNING,
          "A wireframe shows an Entity.attribute the data dictionary does not define.")
def check_wireframe_attributes(design: Design) -> Iterator[Hit]:
    """
    A wireframe's `shows:` lists the dictionary attributes the screen displays, as
    `Entity.attribute`; the API must return each of them. An attribute that is not in the
    dictionary is either a typo or data nobody has defined — which would end up as an ad-hoc
    column (*"no ad-hoc columns"*). Nothing is reported when the dictionary has no entities
    at all (H002 covers that).

    Fix the name, or add the attribute to the dictionary:

    ```yaml
    wireframe:
      description: Note titles with their tag.
      shows: [Note.title, Note.tag]
    ```
    """
    if not design.entities:
        return
    known = [f"{e.name}.{a}" for e in design.entities.values() for a in e.attributes]
    for screen in design.screens:
        if screen.wireframe is None:
            continue
        for k, shown in enumerate(screen.wireframe.shows):
            if design.attribute(None, shown) is not None:
                continue
            entity = shown.split(".", 1)[0]
            what = ("attribute" if entity in design.entities else "entity") + " "
            what += shown if entity in design.entities else f"'{entity}'"
            yield Hit(screen.wireframe.loc.at("shows", k),
                      f"screen {screen.id} shows {shown}, but the data dictionary has no "
                      f"{what}{did_you_mean(shown, known)}; fix the name or add it to the "
                      "dictionary")


@register("H008", "dangling-upstream-reference", Severity.WARNING,
          "A flow, screen or the handoff references an unknown story or flow id.")
def check_upstream_refs(design: Design) -> Iterator[Hit]:
    """
    The upstream artifacts refer to each other by id: flows list the user stories they
    implement, screens list their flows, and the handoff lists the primary flows that need
    backend support. A reference to an id that does not exist breaks the chain from
    requirement to endpoint (and may hide a story that really has no flow, see H003).
    Unknown FR-IDs in `fr_ids:` are reported by T002.

    Fix the id or add the missing story or flow:

    ```yaml
    screens:
      - id: SCR-notes
        name: Note list
        flows: [UF-02]   # must be the id of a flow in a `kind: flows` file
    ```
    """
    stories = [s.id for r in design.requirements for s in r.stories]
    story_set = set(stories)
    flows = [f.id for f in design.flows]
    flow_set = set(flows)
    for flow in design.flows:
        for k, sid in enumerate(flow.stories):
            if sid not in story_set:
                yield Hit(flow.loc.at("stories", k), f"flow {flow.id} lists user story '{sid}', "
                          f"which no requirement of the PRD has{did_you_mean(sid, stories)}; "
                          "fix the id or add the story to the PRD")
    for screen in design.screens:
        for k, fid in enumerate(screen.flows):
            if fid not in flow_set:
                yield Hit(screen.loc.at("flows", k), f"screen {screen.id} lists flow '{fid}', "
                          f"which is not defined{did_you_mean(fid, flows)}; fix the id or add "
                          "the flow")
    # The model merges primary_flows of all handoff files; read each file for its positions.
    for s in design.sources:
        if s.kind != "handoff" or not isinstance(s.data.get("primary_flows"), list):
            continue
        for k, fid in enumerate(s.data["primary_flows"]):
            if isinstance(fid, str) and fid not in flow_set:
                yield Hit(Loc(s, ("primary_flows", k)), f"the handoff names primary flow "
                          f"'{fid}', which is not defined{did_you_mean(fid, flows)}; fix the "
                          "id or add the flow")
