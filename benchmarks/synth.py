"""Synthetic, check-clean designs of any size, for benchmarks.

``python benchmarks/synth.py N OUT_DIR`` writes ``OUT_DIR/design/`` with N endpoints. The
design is modelled on the scaffold (``plugins/designgate/scaffold/design``) and grows in
proportion: one resource per 5 endpoints (list, create, get, update, delete), and per
resource one table (foreign key to its parent resource's table, owner column for RLS, three
indexes), four named schemas, a dictionary entity, a requirement with a story, a flow, a
screen, a migration, three permissions and an RLS policy; ``4 + N // 250`` roles.

Files are laid out as a large real design would be: one endpoints, schemas and tables file
per resource under ``api/``, ``schemas/`` and ``tables/``; one file for each of the PRD,
dictionary, flows, screens, auth, migrations and handoff.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: (singular, plural) nouns for resource names; a numbered group prefix keeps them unique.
NOUNS = (
    ("order", "orders"), ("invoice", "invoices"), ("shipment", "shipments"),
    ("ticket", "tickets"), ("project", "projects"), ("document", "documents"),
    ("contract", "contracts"), ("payment", "payments"), ("product", "products"),
    ("customer", "customers"), ("supplier", "suppliers"), ("warehouse", "warehouses"),
    ("vehicle", "vehicles"), ("booking", "bookings"), ("campaign", "campaigns"),
    ("lesson", "lessons"), ("course", "courses"), ("device", "devices"),
    ("sensor", "sensors"), ("reading", "readings"),
)
OPS = ("list", "create", "get", "update", "delete")
ROLE_NAMES = ("member", "editor", "manager", "auditor")
STAMP = "2026-11-02T09:30:00Z"
LATER = "2026-11-03T18:00:00Z"
OWNER = "0c4f1a52-7d1e-4e0b-9a51-3b6d2f8e9a10"


@dataclass(frozen=True, slots=True)
class Resource:
    index: int
    singular: str  # kebab: g0-order
    plural: str  # kebab: g0-orders
    parent: Resource | None
    ops: tuple[str, ...]
    role: str

    @property
    def table(self) -> str:
        return self.plural.replace("-", "_")

    @property
    def entity(self) -> str:
        return "".join(w.capitalize() for w in self.singular.split("-"))

    @property
    def camel(self) -> str:
        e = self.entity
        return e[0].lower() + e[1:]

    @property
    def plural_pascal(self) -> str:
        return "".join(w.capitalize() for w in self.plural.split("-"))

    @property
    def param(self) -> str:
        return f"{self.camel}Id"

    @property
    def fk_column(self) -> str:
        """The column of a child table that references this resource."""
        return f"{self.singular.replace('-', '_')}_id"

    @property
    def fr(self) -> str:
        return f"FR-{self.index + 1:04d}"

    @property
    def story(self) -> str:
        return f"US-{self.index + 1:04d}"

    @property
    def flow(self) -> str:
        return f"UF-{self.index + 1:04d}"

    @property
    def priority(self) -> str:
        return ("P0", "P1", "P2")[self.index % 3]

    def uuid(self, n: int = 0) -> str:
        return f"{self.index:08x}-{n:04x}-4000-8000-{self.index * 7919 % 16**12:012x}"


def plan(n: int) -> tuple[list[Resource], list[str]]:
    """Resources covering exactly ``n`` endpoints, and the role names."""
    if n < 1:
        raise ValueError("N must be at least 1")
    count = (n + len(OPS) - 1) // len(OPS)
    roles = [*ROLE_NAMES, *(f"team_{k + 1}" for k in range(n // 250))]
    out: list[Resource] = []
    for i in range(count):
        singular, plural = NOUNS[i % len(NOUNS)]
        group = f"g{i // len(NOUNS)}"
        ops = OPS if i < count - 1 or n % len(OPS) == 0 else OPS[: n % len(OPS)]
        parent = out[(i - 1) // 4] if i > 0 else None
        out.append(Resource(i, f"{group}-{singular}", f"{group}-{plural}", parent, ops,
                            roles[i % len(roles)]))
    return out, roles


# --- YAML writing: JSON is valid YAML 1.2, so flow values are written with json.dumps ----


def _y(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _item_example(r: Resource, *, updated: bool = False) -> dict[str, Any]:
    ex: dict[str, Any] = {
        "id": r.uuid(1),
        "title": f"First {r.singular}",
        "status": "active",
        "quantity": 3,
        "notes": None,
    }
    if r.parent is not None:
        ex[r.parent.fk_column] = r.parent.uuid(1)
    ex["created_at"] = STAMP
    ex["updated_at"] = LATER if updated else STAMP
    return ex


def _input_example(r: Resource) -> dict[str, Any]:
    ex: dict[str, Any] = {"title": f"First {r.singular}", "status": "active", "quantity": 3}
    if r.parent is not None:
        ex[r.parent.fk_column] = r.parent.uuid(1)
    return ex


# --- per-resource files ------------------------------------------------------------------


def _endpoints(r: Resource) -> str:
    base = f"/{r.plural}"
    item = f"{base}/{{{r.param}}}"
    ref = "#/components/schemas/"
    param = (
        f"    path_params:\n      {r.param}:\n        description: The {r.singular}'s id.\n"
        f"        schema: {{type: string, format: uuid, maxLength: 36}}\n        example: {r.uuid(1)}\n"
    )
    common = f"    fr_ids: [{r.fr}]\n"
    tail = f"    tables: [{r.table}]\n"
    blocks = {
        "list": (
            f"  - id: list{r.plural_pascal}\n    method: GET\n    path: {base}\n"
            f"    summary: List {r.plural}\n"
            f"    description: Newest first; optionally only those with one status.\n{common}"
            f"    permission: {r.plural}:read\n"
            f"    filters:\n      - name: status\n        description: Only this status.\n"
            f"        schema: {{type: string, enum: [active, archived]}}\n"
            f"        example: active\n        column: {r.table}.status\n"
            f"    sorts:\n      - field: created_at\n        column: {r.table}.created_at\n"
            f"        description: Creation time (default, newest first).\n"
            f"    pagination: {{style: cursor, default_page_size: 25, max_page_size: 100}}\n"
            f"    response:\n      status: 200\n      description: One page of {r.plural}.\n"
            f"      schema: {{$ref: \"{ref}{r.plural_pascal}Page\"}}\n"
            f"      example: {_y({'data': [_item_example(r)], 'next_cursor': None})}\n"
            f"    errors: [400, 401, 403]\n{tail}    impact: 5\n    effort: 2\n"
        ),
        "create": (
            f"  - id: create{r.entity}\n    method: POST\n    path: {base}\n"
            f"    summary: Create a {r.singular}\n{common}"
            f"    permission: {r.plural}:write\n"
            f"    request:\n      schema: {{$ref: \"{ref}{r.entity}Input\"}}\n"
            f"      example: {_y(_input_example(r))}\n"
            f"    response:\n      status: 201\n      description: The {r.singular} as stored.\n"
            f"      schema: {{$ref: \"{ref}{r.entity}\"}}\n"
            f"      example: {_y(_item_example(r))}\n"
            f"    errors: [400, 401, 403, 422]\n{tail}    impact: 5\n    effort: 2\n"
        ),
        "get": (
            f"  - id: get{r.entity}\n    method: GET\n    path: {item}\n"
            f"    summary: Get one {r.singular}\n{common}"
            f"    permission: {r.plural}:read\n{param}"
            f"    response:\n      status: 200\n      description: The {r.singular}.\n"
            f"      schema: {{$ref: \"{ref}{r.entity}\"}}\n"
            f"      example: {_y(_item_example(r))}\n"
            f"    errors: [400, 401, 403, 404]\n{tail}    impact: 4\n    effort: 1\n"
        ),
        "update": (
            f"  - id: update{r.entity}\n    method: PATCH\n    path: {item}\n"
            f"    summary: Change a {r.singular}\n{common}"
            f"    permission: {r.plural}:write\n{param}"
            f"    request:\n      schema: {{$ref: \"{ref}{r.entity}Patch\"}}\n"
            f"      example: {_y({'status': 'archived'})}\n"
            f"    response:\n      status: 200\n      description: The changed {r.singular}.\n"
            f"      schema: {{$ref: \"{ref}{r.entity}\"}}\n"
            f"      example: {_y({**_item_example(r, updated=True), 'status': 'archived'})}\n"
            f"    errors: [400, 401, 403, 404, 422]\n{tail}    impact: 3\n    effort: 3\n"
        ),
        "delete": (
            f"  - id: delete{r.entity}\n    method: DELETE\n    path: {item}\n"
            f"    summary: Delete a {r.singular}\n{common}"
            f"    permission: {r.plural}:delete\n{param}"
            f"    response:\n      status: 204\n      description: The {r.singular} is gone.\n"
            f"    errors: [400, 401, 403, 404]\n{tail}    impact: 2\n    effort: 1\n"
        ),
    }
    return (
        "kind: endpoints\nresource:\n"
        f"  name: {r.plural}\n  description: {r.entity} records of the signed-in user.\n"
        "endpoints:\n" + "\n".join(blocks[op] for op in r.ops)
    )


def _schema_names(r: Resource) -> list[str]:
    names = [r.entity]
    if "list" in r.ops:
        names.append(f"{r.plural_pascal}Page")
    if "create" in r.ops:
        names.append(f"{r.entity}Input")
    if "update" in r.ops:
        names.append(f"{r.entity}Patch")
    return names


def _schemas(r: Resource) -> str:
    fk = r.parent.fk_column if r.parent else None
    props: dict[str, dict[str, Any]] = {
        "id": {"type": "string", "format": "uuid", "maxLength": 36, "description": "The id."},
        "title": {"type": "string", "minLength": 1, "maxLength": 120, "description": "Title."},
        "status": {"type": "string", "enum": ["active", "archived"], "description": "State."},
        "quantity": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 1000000,
                     "description": "How many."},
        "notes": {"type": ["string", "null"], "maxLength": 10000, "description": "Free text."},
    }
    if fk:
        props[fk] = {"type": "string", "format": "uuid", "maxLength": 36,
                     "description": "The parent."}
    props["created_at"] = {"type": "string", "format": "date-time", "maxLength": 64,
                           "description": "Created."}
    props["updated_at"] = {"type": "string", "format": "date-time", "maxLength": 64,
                           "description": "Changed."}
    writable = ["title", "status", "quantity", "notes", *([fk] if fk else [])]
    inp = {k: dict(props[k]) for k in writable}
    inp["notes"] = {"type": "string", "maxLength": 10000, "description": "Free text."}
    schemas: dict[str, dict[str, Any]] = {
        r.entity: {
            "type": "object",
            "description": f"A {r.singular} as the API returns it.",
            "required": ["id", "title", "status", "quantity", *([fk] if fk else []),
                         "created_at", "updated_at"],
            "additionalProperties": False,
            "properties": props,
        },
        f"{r.plural_pascal}Page": {
            "type": "object",
            "description": f"One page of {r.plural}.",
            "required": ["data", "next_cursor"],
            "additionalProperties": False,
            "properties": {
                "data": {"type": "array", "maxItems": 100,
                         "items": {"$ref": f"#/components/schemas/{r.entity}"},
                         "description": "The items of this page."},
                "next_cursor": {"type": ["string", "null"], "maxLength": 512,
                                "description": "Pass as `cursor` for the next page."},
            },
        },
        f"{r.entity}Input": {
            "type": "object",
            "description": f"What a client sends to create a {r.singular}.",
            "required": ["title", *([fk] if fk else [])],
            "additionalProperties": False,
            "properties": inp,
        },
        f"{r.entity}Patch": {
            "type": "object",
            "description": "Fields to change; at least one.",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {k: v for k, v in props.items() if k in writable and k != fk},
        },
    }
    lines = ["kind: schemas", "schemas:"]
    for name in _schema_names(r):
        lines.append(f"  {name}:")
        for key, value in schemas[name].items():
            if key == "properties":
                lines.append("    properties:")
                lines.extend(f"      {p}: {_y(s)}" for p, s in value.items())
            else:
                lines.append(f"    {key}: {_y(value)}")
    return "\n".join(lines) + "\n"


def _table(r: Resource) -> str:
    t = r.table
    cols = [
        '{name: id, type: uuid, primary_key: true, technical: key, '
        'default: gen_random_uuid()}',
        "{name: owner_id, type: uuid, nullable: false, owner: true, "
        "references: {table: users, column: id, on_delete: cascade}}",
    ]
    if r.parent is not None:
        cols.append(f"{{name: {r.parent.fk_column}, type: uuid, nullable: false, "
                    f"references: {{table: {r.parent.table}, column: id, on_delete: cascade}}}}")
    cols += [
        '{name: title, type: varchar(120), nullable: false, check: "char_length(title) >= 1"}',
        "{name: status, type: text, nullable: false, default: \"'active'\", "
        "check: \"status in ('active', 'archived')\"}",
        '{name: quantity, type: integer, nullable: false, default: 0, check: "quantity >= 0"}',
        "{name: notes, type: text}",
        "{name: created_at, type: timestamptz, nullable: false, default: now(), "
        "technical: timestamp}",
        "{name: updated_at, type: timestamptz, nullable: false, default: now(), "
        "technical: timestamp}",
    ]
    idx = [
        f"      - name: {t}_owner_created_idx\n        columns: [owner_id, created_at]\n"
        f"        serves: list{r.plural_pascal} — a user's {r.plural}, newest first\n",
        f"      - name: {t}_owner_status_idx\n        columns: [owner_id, status]\n"
        f"        serves: list{r.plural_pascal}?status= — a user's {r.plural} in one status\n",
    ]
    if r.parent is not None:
        idx.append(f"      - name: {t}_{r.parent.fk_column}_idx\n"
                   f"        columns: [{r.parent.fk_column}]\n"
                   f"        serves: the foreign key to {r.parent.table}\n")
    return (
        f"kind: tables\ntables:\n  - name: {t}\n    entity: {r.entity}\n"
        f"    description: {r.entity} rows, one per {r.singular}.\n    columns:\n"
        + "".join(f"      - {c}\n" for c in cols)
        + "    indexes:\n" + "".join(idx)
    )


def _index_names(r: Resource) -> list[str]:
    names = [f"{r.table}_owner_created_idx", f"{r.table}_owner_status_idx"]
    if r.parent is not None:
        names.append(f"{r.table}_{r.parent.fk_column}_idx")
    return names


# --- single files ------------------------------------------------------------------------


def _project(n: int) -> str:
    return (
        "kind: project\n"
        f"name: Synthetic API ({n} endpoints)\n"
        "version: 1.0.0\n"
        "description: A generated design for benchmarks; every rule passes on it.\n"
        "release: full\n"
        "contact:\n  name: API team\n  email: api-team@synthetic.test\n"
        "license:\n  name: MIT\n  identifier: MIT\n"
        "api:\n  style: rest\n  base_path: /v1\n  versioning: url-path\n"
        "  servers:\n    - url: https://api.synthetic.test/v1\n      description: Production\n"
        "      internal: false\n"
        "  id_format: uuid\n"
        "database: postgres\n"
        "conventions:\n  errors: problem+json\n  pagination:\n    style: cursor\n"
        "    default_page_size: 25\n    max_page_size: 100\n    items_field: data\n"
        "    cursor_field: next_cursor\n"
        "  responses:\n    errors: [400, 500]\n    rate_limit:\n"
        "      policy: '\"default\";q=100;w=60'\n"
        "gate:\n  required_approvals: 1\n  max_revision_cycles: 3\n"
        "  orchestrator: \"@synthetic/orchestrator\"\n"
    )


def _prd(res: list[Resource]) -> str:
    out = ["kind: requirements", "source: docs/prd.md", "requirements:"]
    for r in res:
        out += [
            f"  - id: {r.fr}",
            f"    title: Manage {r.plural}",
            f"    description: A signed-in user manages their own {r.plural}.",
            f"    priority: {r.priority}",
            f"    mvp: {'true' if r.priority == 'P0' else 'false'}",
            "    stories:",
            f"      - id: {r.story}",
            f"        text: As a member, I want to keep my {r.plural}, so that I can find "
            "them later.",
        ]
    return "\n".join(out) + "\n"


def _dictionary(res: list[Resource]) -> str:
    out = [
        "kind: dictionary", "entities:",
        "  - name: User", "    description: A person with an account.", "    attributes:",
        "      - {name: email, type: email, required: true, unique: true, personal_data: true, "
        "description: Sign-in address.}",
    ]
    for r in res:
        out += [
            f"  - name: {r.entity}",
            f"    description: A {r.singular} a user keeps.",
            "    attributes:",
            "      - {name: title, type: string, required: true, max_length: 120, "
            "description: Headline., rules: [\"1 to 120 characters\"]}",
            "      - {name: status, type: enum, required: true, values: [active, archived], "
            "description: Lifecycle state.}",
            "      - {name: quantity, type: integer, required: true, description: How many., "
            "rules: [\"zero or more\"]}",
            "      - {name: notes, type: text, required: false, description: Free text.}",
            "      - {name: owner_id, type: uuid, required: true, description: The owner.}",
        ]
        if r.parent is not None:
            out.append(f"      - {{name: {r.parent.fk_column}, type: uuid, required: true, "
                       f"description: The {r.parent.singular} it belongs to.}}")
        out += ["    relationships:",
                "      - {entity: User, kind: many-to-one, description: Every row has one owner.}"]
        if r.parent is not None:
            out.append(f"      - {{entity: {r.parent.entity}, kind: many-to-one, "
                       f"description: Belongs to one {r.parent.singular}.}}")
    return "\n".join(out) + "\n"


def _flows(res: list[Resource]) -> str:
    out = ["kind: flows", "flows:"]
    for r in res:
        out += [
            f"  - id: {r.flow}",
            f"    name: Keep {r.plural}",
            f"    stories: [{r.story}]",
            f"    fr_ids: [{r.fr}]",
            "    steps:",
            f"      - The member opens the {r.plural} list and adds one.",
            f"      - The new {r.singular} appears at the top of the list.",
        ]
    return "\n".join(out) + "\n"


def _screens(res: list[Resource]) -> str:
    out = ["kind: screens", "screens:"]
    for r in res:
        out += [
            f"  - id: SCR-{r.plural}",
            f"    name: {r.entity} list",
            f"    flows: [{r.flow}]",
            "    data_dependent: true",
            "    wireframe:",
            f"      description: A list of {r.plural} with their status, newest first.",
            f"      shows: [{r.entity}.title, {r.entity}.status, {r.entity}.quantity]",
            "      states: [empty list, loading, error]",
        ]
    return "\n".join(out) + "\n"


def _auth(res: list[Resource], roles: list[str]) -> str:
    perms_of: dict[str, list[str]] = {role: [] for role in roles}
    perms: list[str] = []
    for r in res:
        mine = []
        if {"list", "get"} & set(r.ops):
            mine.append(f"{r.plural}:read")
        if {"create", "update"} & set(r.ops):
            mine.append(f"{r.plural}:write")
        if "delete" in r.ops:
            mine.append(f"{r.plural}:delete")
        perms += mine
        perms_of[r.role] += mine
    out = [
        "kind: auth", "strategy: jwt",
        "description: Bearer JWTs issued by the identity provider; `sub` is the user id.",
        "token:", "  header: Authorization", "  bearer_format: JWT",
        "  issuer: https://id.synthetic.test", "  lifetime: 15m", "  claims: [sub, role]",
        "session_settings:",
        "  app.user_id: the token's `sub` claim, set per transaction by the API",
        "roles:",
    ]
    for role in roles:
        out += [f"  - name: {role}", f"    description: Works with the {role} resources.",
                "    tables: [{table: users, access: read}]  # the caller's own account"]
        if perms_of[role]:
            out.append(f"    permissions: [{', '.join(perms_of[role])}]")
    out.append("permissions:")
    for p in perms:
        res_name, action = p.split(":")
        out.append(f"  - {{name: \"{p}\", description: {action.capitalize()} own {res_name}.}}")
    # One permissive policy per role and command, for exactly the commands the resource's
    # endpoints use (least privilege); the setting is read once per statement, missing_ok.
    me = "(select current_setting('app.user_id', true)::uuid)"
    commands = {"list": "select", "get": "select", "create": "insert", "update": "update",
                "delete": "delete"}
    out.append("policies:")
    for r in res:
        for command in dict.fromkeys(commands[op] for op in r.ops):
            out += [f"  - name: {r.table}_owner_{command}", f"    table: {r.table}",
                    f"    command: {command}", f"    roles: [{r.role}]"]
            if command != "insert":
                out.append(f"    using: \"owner_id = {me}\"")
            if command in ("insert", "update"):
                out.append(f"    with_check: \"owner_id = {me}\"")
    out += [
        "  - name: users_self_select", "    table: users", "    command: select",
        f"    roles: [{', '.join(roles)}]",
        f"    using: \"id = {me}\"",
    ]
    return "\n".join(out) + "\n"


def _users_table() -> str:
    return (
        "kind: tables\ntables:\n  - name: users\n    entity: User\n"
        "    description: Accounts.\n    columns:\n"
        "      - {name: id, type: uuid, primary_key: true, technical: key, "
        "default: gen_random_uuid()}\n"
        "      - {name: email, type: citext, nullable: false, unique: true}\n"
        "      - {name: created_at, type: timestamptz, nullable: false, default: now(), "
        "technical: timestamp}\n"
    )


def _migrations(res: list[Resource], roles: list[str]) -> str:
    """Executable on PostgreSQL (``db verify``): the citext extension and the roles first;
    each enable_rls step grants the roles exactly what their policies use."""
    quoted = [f'"{r}"' for r in roles]
    out = [
        "kind: migrations", "migrations:",
        '  - id: "0000_users"', "    description: Accounts, the extension and the roles.",
        "    steps:",
        "      - sql:", "          up: |", "            CREATE EXTENSION IF NOT EXISTS citext;",
        *(f"            CREATE ROLE {q} NOLOGIN;" for q in quoted),
        "          down: |",
        *(f"            DROP ROLE IF EXISTS {q};" for q in reversed(quoted)),
        "            DROP EXTENSION IF EXISTS citext;",
        "      - create_table: users", "      - enable_rls: users",
        "    rollback: Drop the users table; no data exists before this migration.",
    ]
    for r in res:
        out += [
            f'  - id: "{r.index + 1:04d}_{r.table}"',
            f"    description: The {r.table} table and its indexes.",
            "    steps:", f"      - create_table: {r.table}",
            *(f"      - create_index: {ix}" for ix in _index_names(r)),
            f"      - enable_rls: {r.table}",
            f"    rollback: Drop the {r.table} table (its indexes go with it).",
        ]
    return "\n".join(out) + "\n"


def _handoff(res: list[Resource]) -> str:
    flows = ", ".join(r.flow for r in res[:5])
    return (
        "kind: handoff\nfrom_phase: 02-product-design\nreceived: \"2026-11-01\"\n"
        f"primary_flows: [{flows}]\n"
        "decisions:\n  - id: D-01\n    decision: Every row is private to its owner.\n"
        "    intent: No sharing in the first release; every query is scoped to the owner.\n"
        "    preserve: true\n"
        "assumptions:\n  - id: A-01\n    text: One status field is enough for now.\n"
        "    affects: [api, schema]\n    flagged: false\n"
        "rfis:\n  - id: RFI-01\n    question: Is the title required?\n    status: resolved\n"
        "    resolution: Yes, 1 to 120 characters.\n"
    )


# --- entry points ------------------------------------------------------------------------


def generate(n: int, out: Path) -> Path:
    """Write a design with ``n`` endpoints to ``out/design`` (replacing it); returns that dir."""
    res, roles = plan(n)
    design = Path(out) / "design"
    if design.exists():
        shutil.rmtree(design)
    design.mkdir(parents=True)
    _write(design / "project.yaml", _project(n))
    _write(design / "prd.yaml", _prd(res))
    _write(design / "dictionary.yaml", _dictionary(res))
    _write(design / "flows.yaml", _flows(res))
    _write(design / "screens.yaml", _screens(res))
    _write(design / "auth.yaml", _auth(res, roles))
    _write(design / "migrations.yaml", _migrations(res, roles))
    _write(design / "handoff.yaml", _handoff(res))
    _write(design / "tables" / "users.yaml", _users_table())
    for r in res:
        _write(design / "api" / f"{r.plural}.yaml", _endpoints(r))
        _write(design / "schemas" / f"{r.plural}.yaml", _schemas(r))
        _write(design / "tables" / f"{r.plural}.yaml", _table(r))
    return design


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, metavar="N", help="number of endpoints")
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="writes OUT_DIR/design/")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    design = generate(args.n, args.out)
    res, roles = plan(args.n)
    print(f"{design}: {args.n} endpoints, {len(res)} resources/tables, "
          f"{sum(len(_schema_names(r)) for r in res)} schemas, {len(roles)} roles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
