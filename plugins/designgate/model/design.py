"""The design as typed objects. Every object knows where it was written (``loc``).

The loader builds these from validated YAML; rules and generators only read them.
Payload schemas stay plain JSON Schema dicts (the format is standard JSON Schema), with
every ``$ref`` normalised to ``#/components/schemas/Name``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designgate.model.source import Loc, Source

JsonSchema = dict[str, Any] | bool


# --- project -----------------------------------------------------------------------------


@dataclass(slots=True)
class Pagination:
    style: str = "cursor"
    default_page_size: int = 25
    max_page_size: int = 100
    items_field: str = "data"
    cursor_field: str = "next_cursor"
    total_field: str = "total"


@dataclass(slots=True)
class GateSettings:
    required_approvals: int = 1
    max_revision_cycles: int = 3
    orchestrator: str = "@orchestrator"
    #: Where a CODEOWNERS file names owners of design files, one of them must approve.
    require_code_owners: bool = True
    #: The accounts that decide for the orchestrator (default: the handle, if it is a user).
    orchestrator_logins: tuple[str, ...] = ()

    def deciders(self) -> set[str]:
        """Logins (lower case) whose reviews, comments or records are orchestrator decisions."""
        named = {x.lstrip("@").lower() for x in self.orchestrator_logins}
        handle = self.orchestrator.strip().lstrip("@")
        if handle and "/" not in handle:  # a user, not a team (team members are not known)
            named.add(handle.lower())
        return named


@dataclass(slots=True)
class RateLimit:
    policy: str  # the RateLimit-Policy field value (IETF httpapi draft)
    description: str = ""


@dataclass(slots=True)
class ResponseDefaults:
    """``conventions.responses``: what every endpoint answers besides its own responses."""

    #: Error statuses every endpoint gets (400 only where it takes input).
    errors: list[int] = field(default_factory=lambda: [400])
    rate_limit: RateLimit | None = None
    cors_origin: str = ""  # Access-Control-Allow-Origin of every response
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A change between two designs accepted on purpose (``acknowledged_changes:``)."""

    fingerprint: str
    reason: str
    loc: Loc


@dataclass(slots=True)
class Project:
    loc: Loc | None
    name: str = "Unnamed API"
    version: str = "0.0.0"
    description: str = ""
    release: str = "full"
    contact: dict[str, str] = field(default_factory=dict)
    license: dict[str, str] = field(default_factory=dict)
    repo_url: str = ""
    base_path: str = ""
    versioning: str = "url-path"
    servers: list[dict[str, str]] = field(default_factory=list)
    id_format: str = "uuid"
    database: str = "postgres"
    errors: str = "problem+json"
    pagination: Pagination = field(default_factory=Pagination)
    responses: ResponseDefaults = field(default_factory=ResponseDefaults)
    rules: dict[str, str] = field(default_factory=dict)
    gate: GateSettings = field(default_factory=GateSettings)
    acknowledged: list[Acknowledgement] = field(default_factory=list)

    @property
    def mvp(self) -> bool:
        return self.release == "mvp"


# --- upstream ----------------------------------------------------------------------------


@dataclass(slots=True)
class Story:
    id: str
    text: str
    requirement: str | None
    loc: Loc


@dataclass(slots=True)
class Requirement:
    id: str | None
    title: str
    priority: str
    mvp: bool
    description: str
    stories: list[Story]
    loc: Loc


@dataclass(slots=True)
class Attribute:
    entity: str
    name: str
    type: str
    required: bool
    description: str
    rules: list[str]
    values: list[str]
    max_length: int | None
    unique: bool
    personal_data: bool
    loc: Loc


@dataclass(slots=True)
class Relationship:
    entity: str
    kind: str
    description: str
    through: str | None  # the join table of a many-to-many relationship
    loc: Loc


@dataclass(slots=True)
class Entity:
    name: str
    description: str
    attributes: dict[str, Attribute]
    relationships: list[Relationship]
    loc: Loc


@dataclass(slots=True)
class Flow:
    id: str
    name: str
    stories: list[str]
    fr_ids: list[str]
    steps: list[str]
    loc: Loc


@dataclass(slots=True)
class Wireframe:
    description: str
    link: str
    shows: list[str]
    states: list[str]
    loc: Loc


@dataclass(slots=True)
class Screen:
    id: str
    name: str
    flows: list[str]
    data_dependent: bool
    wireframe: Wireframe | None
    loc: Loc


# --- endpoints ---------------------------------------------------------------------------


@dataclass(slots=True)
class Param:
    name: str
    description: str
    schema: JsonSchema | None
    required: bool
    example: Any
    has_example: bool
    column: str | None
    loc: Loc


@dataclass(slots=True)
class SortField:
    field: str
    column: str | None
    description: str
    loc: Loc


@dataclass(slots=True)
class EndpointPagination:
    style: str | None
    default_page_size: int | None
    max_page_size: int | None
    loc: Loc


@dataclass(slots=True)
class Body:
    content_type: str
    schema: JsonSchema | None
    example: Any
    has_example: bool
    description: str
    required: bool
    loc: Loc


@dataclass(slots=True)
class Response:
    status: int
    description: str
    content_type: str
    schema: JsonSchema | None
    example: Any
    has_example: bool
    headers: dict[str, Any]
    loc: Loc
    #: Added from the project's ``conventions.responses`` or implied by the endpoint's own
    #: settings (not written in its ``errors:``).
    inherited: bool = False

    @classmethod
    def bare(cls, status: int, loc: Loc, *, inherited: bool = False) -> Response:
        """A response given by its status code alone (the standard one is generated)."""
        return cls(status, "", "", None, None, False, {}, loc, inherited=inherited)


@dataclass(slots=True)
class Endpoint:
    id: str
    method: str
    path: str
    summary: str
    description: str
    tags: list[str]
    fr_ids: list[str]
    permission: str | None
    singleton: bool
    path_params: dict[str, Param]
    filters: list[Param]
    sorts: list[SortField]
    query: list[Param]
    pagination: EndpointPagination | None
    request: Body | None
    response: Response | None
    errors: list[Response]
    tables: list[str]
    impact: int | None
    effort: int | None
    deprecated: bool
    openapi: dict[str, Any]
    resource: str | None
    loc: Loc
    #: What the endpoint does to each of its tables (``tables:``), in order.
    access: list[TableAccess] = field(default_factory=list)
    #: The database role its statements run as (default: the caller's role).
    runs_as: str | None = None
    #: Request headers it reads (``headers:``).
    headers: list[Param] = field(default_factory=list)
    #: ``default_errors:``, replacing the project's default error statuses.
    default_errors: list[int] | None = None
    #: ``idempotency_key: required|optional`` (an Idempotency-Key request header).
    idempotency_key: str | None = None
    #: The resource's ``concurrency:`` (``etag``: ETag on reads, If-Match on changes).
    concurrency: str | None = None

    @property
    def public(self) -> bool:
        return self.permission == "public"

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("?")[0].split("/") if s != ""]

    @property
    def path_param_names(self) -> list[str]:
        return [s[1:-1] for s in self.segments if s.startswith("{") and s.endswith("}")]

    @property
    def is_item(self) -> bool:
        """The path addresses one item (ends in a parameter)."""
        segs = self.segments
        return bool(segs) and segs[-1].startswith("{")

    @property
    def is_list(self) -> bool:
        """A GET on a collection: the last segment is a literal and it is not a singleton."""
        segs = self.segments
        return (
            self.method == "GET"
            and bool(segs)
            and not segs[-1].startswith("{")
            and not self.singleton
        )

    @property
    def takes_input(self) -> bool:
        return bool(
            self.request or self.filters or self.sorts or self.query or self.path_param_names
            or self.is_list or self.headers or self.idempotency_key
        )

    def schemas(self) -> Iterator[Any]:
        """Every schema the endpoint writes, as written: its parameters' (path, query,
        header), its request body's, and its responses' with their header objects."""
        for p in (*self.path_params.values(), *self.filters, *self.query, *self.headers):
            yield p.schema
        if self.request is not None:
            yield self.request.schema
        for r in (self.response, *self.errors):
            if r is not None:
                yield r.schema
                yield r.headers

    @property
    def writes_item(self) -> bool:
        """A change of one item (PUT, PATCH, DELETE on an item path)."""
        return self.is_item and self.method in ("PUT", "PATCH", "DELETE")

    @property
    def quadrant(self) -> str | None:
        return quadrant(self.impact, self.effort)


def quadrant(impact: int | None, effort: int | None) -> str | None:
    """Impact/Effort 2x2: scores of 3 and above count as high."""
    if impact is None or effort is None:
        return None
    high_impact, high_effort = impact >= 3, effort >= 3
    if high_impact and not high_effort:
        return "Quick Win"
    if high_impact and high_effort:
        return "Major Project"
    if not high_impact and not high_effort:
        return "Fill-In"
    return "Thankless Task"


QUADRANT_ORDER = ("Quick Win", "Major Project", "Fill-In", "Thankless Task")


@dataclass(slots=True)
class NamedSchema:
    name: str
    schema: JsonSchema
    loc: Loc


# --- database ----------------------------------------------------------------------------


@dataclass(slots=True)
class ForeignKey:
    """A foreign key: on a column (``references:``, one column) or on the table
    (``foreign_keys:``, several: a tenant's rows reference only the same tenant's rows)."""

    table: str  # the referenced table
    column: str  # the referenced column (the last one of a composite key)
    on_delete: str | None
    loc: Loc
    columns: list[str] = field(default_factory=list)  # the referencing columns
    ref_columns: list[str] = field(default_factory=list)  # the referenced columns
    name: str | None = None


@dataclass(slots=True)
class Column:
    table: str
    name: str
    type: str
    attribute: str | None
    technical: str | None
    nullable: bool
    default: Any
    primary_key: bool
    unique: bool
    check: str | None
    description: str
    references: ForeignKey | None
    loc: Loc
    #: The row's owner: the acting user writes it and nobody changes it (``owner: true``).
    owner: bool = False
    collation: str | None = None


@dataclass(slots=True)
class Index:
    table: str
    name: str
    columns: list[str]
    unique: bool
    method: str
    where: str | None
    serves: str
    loc: Loc
    #: Created with CREATE INDEX CONCURRENTLY (a migration with `transactional: false`).
    concurrently: bool = False


@dataclass(slots=True)
class Check:
    """A table-level CHECK constraint (one over several columns)."""

    name: str
    expression: str
    description: str
    loc: Loc


@dataclass(slots=True)
class Table:
    name: str
    entity: str | None
    description: str
    user_data: bool
    columns: list[Column]
    primary_key: list[str]
    unique: list[list[str]]
    indexes: list[Index]
    loc: Loc
    checks: list[Check] = field(default_factory=list)
    #: Table-level (composite) foreign keys; column-level ones are on their column.
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    @property
    def fks(self) -> list[ForeignKey]:
        """Every foreign key of the table: the columns' ``references:`` first, then the
        table's ``foreign_keys:``."""
        return [c.references for c in self.columns if c.references] + self.foreign_keys

    @property
    def key_columns(self) -> list[str]:
        return self.primary_key or [c.name for c in self.columns if c.primary_key]


@dataclass(slots=True)
class Step:
    op: str
    arg: Any
    loc: Loc


@dataclass(slots=True)
class Migration:
    id: str
    description: str
    steps: list[Step]
    rollback: str | None
    destructive_acknowledged: bool
    destructive_note: str
    loc: Loc
    #: False: runs statement by statement outside a transaction (CREATE INDEX CONCURRENTLY).
    transactional: bool = True
    lock_timeout: str | None = None
    statement_timeout: str | None = None


# --- auth --------------------------------------------------------------------------------


@dataclass(slots=True)
class TableAccess:
    """What an endpoint (or a worker's role) does to one table."""

    table: str
    commands: list[str]  # select, insert, update, delete
    via: str | None  # done by this function or trigger, not as the caller's role
    loc: Loc


@dataclass(slots=True)
class Role:
    name: str
    description: str
    inherits: list[str]
    permissions: list[str]
    loc: Loc
    #: Tables the role uses directly, outside any endpoint (a worker, a service).
    tables: list[TableAccess] = field(default_factory=list)
    #: Reads or writes across tenants on purpose (a worker); not held to tenant isolation.
    cross_tenant: bool = False


@dataclass(slots=True)
class Permission:
    name: str
    description: str
    loc: Loc


@dataclass(slots=True)
class Policy:
    name: str
    table: str
    command: str
    roles: list[str]
    using: str | None
    with_check: str | None
    description: str
    loc: Loc
    #: AS RESTRICTIVE: every restrictive policy must pass, on top of one permissive one.
    restrictive: bool = False


@dataclass(slots=True)
class Membership:
    table: str
    user: str  # the column holding the member's user id
    role: str | None  # the column holding the member's role, if any
    loc: Loc


@dataclass(slots=True)
class Tenancy:
    """Who owns which rows: the intent the policies are checked against."""

    tenant: str  # the table of tenants (its key is the tenant id)
    column: str  # the column that scopes a row of a per-tenant table
    setting: str  # the session setting holding the caller's tenant
    user_table: str | None
    user_setting: str | None
    membership: Membership | None
    scopes: dict[str, str]  # table -> per-user | global, for tables without the column
    loc: Loc

    def scope(self, table: Table) -> str:
        """tenant, per-tenant, per-user, global or undeclared."""
        if table.name == self.tenant:
            return "tenant"
        if table.column(self.column) is not None:
            return "per-tenant"
        if table.name == self.user_table:
            return "per-user"
        return self.scopes.get(table.name, "undeclared")


@dataclass(slots=True)
class Auth:
    strategy: str | None
    description: str
    token: dict[str, Any]
    session_settings: dict[str, str]
    loc: Loc | None
    tenancy: Tenancy | None = None


# --- integrations ------------------------------------------------------------------------


@dataclass(slots=True)
class Payload:
    schema: JsonSchema | None
    example: Any
    has_example: bool
    description: str
    loc: Loc


@dataclass(slots=True)
class Webhook:
    name: str
    summary: str
    description: str
    fr_ids: list[str]
    trigger: str
    payload: Payload | None
    signing: dict[str, Any] | None
    retries: dict[str, Any] | None
    timeout: str | None
    loc: Loc


@dataclass(slots=True)
class Event:
    name: str
    version: str
    description: str
    fr_ids: list[str]
    producer: str
    consumers: list[str]
    channel: str
    payload: Payload | None
    loc: Loc


@dataclass(slots=True)
class ThirdParty:
    name: str
    provider: str
    purpose: str
    fr_ids: list[str]
    base_url: str
    operations: list[dict[str, Any]]
    auth: dict[str, Any] | None
    failure_modes: list[dict[str, Any]]
    retries: dict[str, Any] | None
    timeout: str | None
    loc: Loc


# --- handoff -----------------------------------------------------------------------------


@dataclass(slots=True)
class Decision:
    id: str
    decision: str
    intent: str
    preserve: bool
    loc: Loc


@dataclass(slots=True)
class Assumption:
    id: str
    text: str
    affects: list[str]
    flagged: bool
    note: str
    loc: Loc


@dataclass(slots=True)
class Rfi:
    id: str
    question: str
    status: str
    owner: str
    resolution: str
    loc: Loc


@dataclass(slots=True)
class Handoff:
    from_phase: str = ""
    received: str = ""
    primary_flows: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    rfis: list[Rfi] = field(default_factory=list)
    loc: Loc | None = None


# --- the whole design --------------------------------------------------------------------


@dataclass(slots=True)
class Waiver:
    rule: str
    reason: str
    loc: Loc  # the item the waiver sits on; covers findings at or below its pointer
    waiver_loc: Loc


@dataclass(slots=True)
class Design:
    root: Path  # the project root (parent of the design directory)
    design_dir: Path
    project: Project
    sources: list[Source] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    has_prd: bool = False
    entities: dict[str, Entity] = field(default_factory=dict)
    has_dictionary: bool = False
    dictionary_not_applicable: str | None = None
    flows: list[Flow] = field(default_factory=list)
    screens: list[Screen] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)  # tag name -> description
    schemas: dict[str, NamedSchema] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    migrations: list[Migration] = field(default_factory=list)
    auth: Auth | None = None
    roles: dict[str, Role] = field(default_factory=dict)
    permissions: dict[str, Permission] = field(default_factory=dict)
    policies: list[Policy] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    third_parties: list[ThirdParty] = field(default_factory=list)
    handoff: Handoff | None = None
    waivers: list[Waiver] = field(default_factory=list)
    #: ``migrations.sum`` beside the design files, as read (None: there is none), and its
    #: path relative to the project root.
    migrations_sum: str | None = None
    migrations_sum_file: str = ""
    #: Derived artifacts computed once per design (the OpenAPI document, ...).
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- derived lookups (cheap; computed on demand) -------------------------------------

    def requirement(self, fr_id: str) -> Requirement | None:
        return self.requirement_index().get(fr_id)

    def requirement_index(self) -> dict[str, Requirement]:
        return {r.id: r for r in self.requirements if r.id}

    def in_scope(self, req: Requirement) -> bool:
        """Scope of the release: MVP-tagged FR-IDs in mvp mode, P0 otherwise."""
        return req.mvp if self.project.mvp else req.priority == "P0"

    def scope_requirements(self) -> list[Requirement]:
        return [r for r in self.requirements if self.in_scope(r)]

    def attribute(self, entity: str | None, name: str) -> Attribute | None:
        """Look up ``name`` (``attr`` on ``entity``, or ``Entity.attr``)."""
        if "." in name:
            entity, name = name.split(".", 1)
        ent = self.entities.get(entity or "")
        return ent.attributes.get(name) if ent else None

    def joined_by(self, table: str) -> list[tuple[str, str]]:
        """The entity pairs of the many-to-many relationships ``table`` is the `through:`
        table of (each pair once, whichever side declares it)."""
        pairs: dict[frozenset[str], tuple[str, str]] = {}
        for ent in self.entities.values():
            for rel in ent.relationships:
                if rel.kind == "many-to-many" and rel.through == table:
                    pairs.setdefault(frozenset((ent.name, rel.entity)), (ent.name, rel.entity))
        return list(pairs.values())

    @property
    def tenancy(self) -> Tenancy | None:
        """The auth model's tenancy model, if it has one."""
        return self.auth.tenancy if self.auth else None

    def role_ancestors(self, role: str) -> set[str]:
        """``role`` and every role it inherits from, transitively (cycle-safe; only roles
        the auth model defines)."""
        seen: set[str] = set()
        todo = [role]
        while todo:
            name = todo.pop()
            r = self.roles.get(name)
            if r is None or name in seen:
                continue
            seen.add(name)
            todo += r.inherits
        return seen

    def role_permissions(self, role: str) -> set[str]:
        """Permissions of ``role`` including inherited ones (cycle-safe)."""
        return {p for name in self.role_ancestors(role) for p in self.roles[name].permissions}

    def policies_on(self, table: str) -> list[Policy]:
        """The policies of ``table``, in definition order."""
        by_table = self.cache.get("policies_on")
        if by_table is None:
            by_table = {}
            for p in self.policies:
                by_table.setdefault(p.table, []).append(p)
            self.cache["policies_on"] = by_table
        return list(by_table.get(table, ()))

    def index_named(self, name: str) -> Index | None:
        """The index called ``name`` (the first, when two tables declare it), or None."""
        by_name = self.cache.get("index_named")
        if by_name is None:
            by_name = {}
            for t in self.tables.values():
                for i in t.indexes:
                    by_name.setdefault(i.name, i)
            self.cache["index_named"] = by_name
        return by_name.get(name)

    def holders(self, permission: str) -> list[str]:
        """The roles that hold ``permission``, directly or inherited, in definition order."""
        table = self.cache.get("holders")
        if table is None:
            table = {}
            for r in self.roles:
                for perm in self.role_permissions(r):
                    table.setdefault(perm, []).append(r)
            self.cache["holders"] = table
        return list(table.get(permission, ()))

    def runs_as(self, ep: Endpoint) -> list[str]:
        """The database roles an endpoint's statements run as: its ``runs_as``, else every
        role that holds its permission (none for a public endpoint without ``runs_as``)."""
        if ep.runs_as:
            return [ep.runs_as]
        if ep.permission is None or ep.public:
            return []
        return self.holders(ep.permission)

    def needs(self, role: str) -> dict[str, set[str]]:
        """What ``role`` does itself to each table (least privilege): the tables of the
        endpoints that run as it (not those done `via` a function or trigger), and those it
        or a role it inherits declares in `tables:`. Every write reads too (the API's WHERE
        and RETURNING)."""
        key = ("needs", role)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        out: dict[str, set[str]] = {}
        accesses = [a for ep in self.endpoints if role in self.runs_as(ep) for a in ep.access]
        accesses += [a for r in self.role_ancestors(role) for a in self.roles[r].tables]
        for a in accesses:
            if a.via is None:
                out.setdefault(a.table, set()).update(a.commands)
        self.cache[key] = out
        return out

    @property
    def declares_access(self) -> bool:
        """Whether the design says which tables its endpoints (or roles) use at all."""
        return any(ep.access for ep in self.endpoints) or any(
            r.tables for r in self.roles.values())
