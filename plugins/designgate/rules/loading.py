"""Loading (L): problems found while reading the design sources.

The loader emits these findings; this module documents them in the registry.
"""

from __future__ import annotations

from designgate.findings import Severity
from designgate.rules.registry import declare

E, W = Severity.ERROR, Severity.WARNING

declare("L001", "yaml-syntax", E, "The file is not valid YAML.", """
    The YAML parser stopped at this position. Typical causes: a tab used for indentation,
    a missing space after `:`, an unclosed quote or bracket, or several documents (`---`)
    in one file. Fix the syntax; nothing else in the file is checked until it parses.
""")
declare("L002", "duplicate-key", E, "A mapping has the same key twice.", """
    YAML silently keeps the last of two equal keys, so half of what you wrote would be lost.
    designgate keeps the first and reports the second. Remove or rename one of them.
""")
declare("L003", "unknown-key", E, "A key the format does not know (probably a typo).", """
    Every design file kind has a fixed set of keys (see `designgate schema` and the format
    reference). An unknown key is almost always a typo — the message suggests the closest
    known key. Keys starting with `x-` are extensions and always allowed.
""")
declare("L004", "wrong-type", E, "A value has the wrong type.", """
    For example a list where a mapping is expected, or a string where a number is expected.
    Quote strings that look like numbers or booleans when you mean text.
""")
declare("L005", "missing-field", E, "A required field is missing.", """
    Items need their identifying fields (ids, names, methods, paths...). Add the field.
""")
declare("L006", "invalid-value", E, "A value is outside what the format allows.", """
    The value has the right type but is not allowed: not one of the listed choices, does not
    match the expected pattern (e.g. permissions are `resource:action`), or is out of range.
""")
declare("L007", "not-utf8", E, "The file is not UTF-8 text, or cannot be read at all.", """
    Design sources must be UTF-8. The finding points at the first byte that is not; re-save
    the file as UTF-8. A file or folder that cannot be read at all (no permission, a dangling
    symlink or a symlink loop, a folder named like a `.yaml` file) is reported here too: its
    content is missing from the check, so fix the permission or the link, or rename it.
""")
declare("L020", "not-a-regular-file", E, "A design file is a symlink, a FIFO, a device or a socket.", """
    Design files are regular files inside `design/`: what a reviewer sees in the pull request
    is what is checked. A symlink (to a file or to a folder, inside the repository or out of
    it) is not followed — its target may be outside the repository (`/etc/passwd`), endless
    (`/dev/zero`), or change without a diff — and neither is a FIFO, which would block the
    check forever. The file's content is missing from the check: copy the file (or folder)
    into `design/` instead of linking it.
""")
declare("L021", "file-too-large", E, "A design file is larger than 8 MiB.", """
    A design file of more than 8 MiB is not a design someone reviews; it is not read (so a
    stray dump or a generated file cannot stall the check or exhaust memory). Split it into
    files per resource or per table; `$ref` joins them.
""")
declare("L008", "remote-ref", E, "A `$ref` points outside the repository (http:, file: ...).", """
    designgate never fetches anything from the network while checking or building, so a
    remote `$ref` cannot be followed. Copy the schema into `design/` and reference the file.
""")
declare("L009", "ref-escapes-design", E, "A `$ref` leaves the design directory.", """
    File references are resolved relative to the referencing file and must stay inside the
    design directory, so that the design is self-contained and reviewable in one place (and
    a design cannot read arbitrary files of the machine that checks it). Move the referenced
    file into `design/` and reference it with a relative path such as `../schemas/task.json`.
""")
declare("L010", "unresolved-ref", E, "A `$ref` does not resolve.", """
    The referenced file, JSON pointer or named schema does not exist. Named schemas are
    referenced as `#/components/schemas/Name` and defined in `kind: schemas` files.
""")
declare("L011", "alias-bomb", E, "YAML aliases expand to an unreasonable size.", """
    Anchors and aliases (`&a`, `*a`) may be nested so that a tiny file expands to billions of
    nodes ("billion laughs"). designgate bounds the expansion and stops reading the file.
""")
declare("L012", "too-deep", E, "The YAML nesting is absurdly deep.", """
    Nesting is limited to 64 levels; real design files never come close. Flatten the data or
    move nested schemas into named schemas.
""")
declare("L013", "unsupported-tag", E, "A YAML tag designgate does not accept.", """
    Only the standard JSON-compatible tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`,
    `!!map`, `!!seq`) are accepted. Language-specific tags such as `!!python/object` are
    never constructed — they would run code while reading a design — and custom tags have no
    meaning in the format. Remove the tag; quote the value if it should stay text.
""")
declare("L014", "file-kind", E, "A design file is empty or lacks a valid `kind:`.", """
    Every YAML file under the design directory starts with `kind:` naming the artifact it
    holds: project, requirements, dictionary, flows, screens, endpoints, schemas, tables,
    migrations, auth, integrations or handoff.
""")
declare("L015", "duplicate-definition", E, "The same id or name is defined twice.", """
    Endpoint ids, FR-IDs, table names, schema names, roles, permissions and other names must
    be unique across all files of the design, because other items refer to them by name.
    The first definition is kept and the later one is reported with the place of the first.
    Rename one of them, or delete the copy when it was pasted twice.
""")
declare("L016", "project-file", E, "No project file, or more than one.", """
    A design has exactly one file with `kind: project` (conventionally `design/project.yaml`)
    holding the name, version, release mode, conventions and rule settings.
""")
declare("L017", "waiver-without-reason", E, "A waiver lacks its reason.", """
    A finding may be waived on the item it concerns with `waivers: [{rule: X000, reason: ...}]`.
    The reason is mandatory: it is shown to reviewers on the site and in reports.
""")
declare("L018", "unused-waiver", W, "A waiver that matches no finding.", """
    The waived rule no longer reports anything on this item (or below it), so the waiver is
    stale. Remove it so that waivers stay an accurate record of accepted exceptions.
""")
declare("L019", "unknown-rule", E, "A rule id in the configuration or a waiver does not exist.", """
    `rules:` in the project file and `waivers:` name rules by id. Run `designgate rules` to
    list the valid ids.
""")
