"""The design-source format: one JSON Schema (2020-12) per file kind.

These schemas are the single definition of the format. The loader validates every file
against the schema of its ``kind`` (unknown keys, wrong types, missing fields become
findings at the offending line), ``designgate schema`` exports them for editors, and the
format reference in ``docs/format/`` documents them.
"""

from __future__ import annotations

from typing import Any

SCHEMA_BASE = "https://designgate.dev/schema/"

KINDS = (
    "project",
    "requirements",
    "dictionary",
    "flows",
    "screens",
    "endpoints",
    "schemas",
    "tables",
    "migrations",
    "auth",
    "integrations",
    "handoff",
)

Schema = dict[str, Any]

# --- shared pieces -----------------------------------------------------------------------

_TEXT: Schema = {"type": "string"}
_ID_LIST: Schema = {"type": "array", "items": {"type": "string"}}
_FR_IDS: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": "FR-IDs from the PRD this item serves.",
}
WAIVERS: Schema = {
    "type": "array",
    "description": "Findings waived on this item (and everything inside it), each with a reason.",
    "items": {
        "type": "object",
        "properties": {
            "rule": {"type": "string", "pattern": "^[A-Z][0-9]{3}$"},
            "reason": {"type": "string"},
        },
        "required": ["rule"],
        "additionalProperties": False,
    },
}
#: A payload schema: a standard JSON Schema 2020-12 / OpenAPI 3.1 Schema Object.
PAYLOAD_SCHEMA: Schema = {
    "type": ["object", "boolean"],
    "description": "A JSON Schema 2020-12 / OpenAPI 3.1 Schema Object, or a $ref to one.",
}
_ANY: Schema = {"description": "Any JSON value."}
_EXTENSIONS = {"^x-": _ANY}


def obj(
    properties: dict[str, Schema],
    required: tuple[str, ...] = (),
    description: str | None = None,
    *,
    waivable: bool = True,
) -> Schema:
    """A closed object (unknown keys rejected) that accepts ``x-`` extensions."""
    props = dict(properties)
    if waivable:
        props["waivers"] = WAIVERS
    out: Schema = {
        "type": "object",
        "properties": props,
        "patternProperties": _EXTENSIONS,
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def enum(*values: str, description: str | None = None) -> Schema:
    out: Schema = {"type": "string", "enum": list(values)}
    if description:
        out["description"] = description
    return out


def array(items: Schema, description: str | None = None) -> Schema:
    out: Schema = {"type": "array", "items": items}
    if description:
        out["description"] = description
    return out


def _file(kind: str, properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    props = {"kind": {"const": kind, "description": "Which artifact this file holds."}}
    props.update(properties)
    schema = obj(props, ("kind", *required), waivable=False)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{SCHEMA_BASE}{kind}.json"
    schema["title"] = f"designgate {kind} file"
    return schema


SEVERITY_SETTING = enum("error", "warning", "info", "off")
SCORE: Schema = {"type": "integer", "description": "1 (lowest) to 5 (highest)."}
EXAMPLE_PAYLOAD = obj(
    {
        "schema": PAYLOAD_SCHEMA,
        "example": _ANY,
        "description": _TEXT,
    },
    waivable=False,
)

# --- project -----------------------------------------------------------------------------

PROJECT = _file(
    "project",
    {
        "name": _TEXT,
        "version": {"type": "string", "description": "Version of the API contract."},
        "description": _TEXT,
        "release": enum("full", "mvp", description="Release mode: mvp narrows scope rules."),
        "contact": obj(
            {"name": _TEXT, "email": _TEXT, "url": _TEXT}, waivable=False
        ),
        "license": obj({"name": _TEXT, "url": _TEXT, "identifier": _TEXT}, ("name",), waivable=False),
        "repo_url": _TEXT,
        "api": obj(
            {
                "style": enum("rest"),
                "base_path": {"type": "string", "pattern": "^(/[a-z0-9-]+)*$"},
                "versioning": enum("url-path", "header", "query", "none"),
                "servers": array(
                    obj({"url": _TEXT, "description": _TEXT,
                         "internal": {"type": "boolean",
                                      "description": "Only for internal use (becomes "
                                                     "`x-internal`); the audience of every "
                                                     "server is declared."}},
                        ("url",), waivable=False)
                ),
                "id_format": enum("uuid", "integer", "string"),
            },
            waivable=False,
        ),
        "database": enum("postgres"),
        "conventions": obj(
            {
                "errors": enum("problem+json"),
                "pagination": obj(
                    {
                        "style": enum("cursor", "page"),
                        "default_page_size": {"type": "integer", "minimum": 1},
                        "max_page_size": {"type": "integer", "minimum": 1},
                        "items_field": _TEXT,
                        "cursor_field": _TEXT,
                        "total_field": _TEXT,
                    },
                    waivable=False,
                ),
                "responses": obj(
                    {
                        "errors": array(
                            {"type": "integer", "minimum": 400, "maximum": 599},
                            "Error statuses every endpoint gets unless it says otherwise "
                            "(`default_errors:`); 400 only where the endpoint takes input. "
                            "Default: [400].",
                        ),
                        "rate_limit": obj(
                            {
                                "policy": {
                                    "type": "string",
                                    "description": "The quota, as the RateLimit-Policy field "
                                                   "of the IETF httpapi draft, e.g. "
                                                   "'\"default\";q=100;w=60'.",
                                },
                                "description": _TEXT,
                            },
                            ("policy",),
                            "RateLimit and RateLimit-Policy headers on every 2xx and 4xx "
                            "response, and 429 (with Retry-After) on every endpoint.",
                            waivable=False,
                        ),
                        "cors": obj(
                            {
                                "allow_origin": {
                                    "type": "string",
                                    "description": "The Access-Control-Allow-Origin value "
                                                   "every response carries: an origin, or *.",
                                },
                            },
                            ("allow_origin",),
                            waivable=False,
                        ),
                    },
                    description="Responses every endpoint gets (overridable per endpoint).",
                    waivable=False,
                ),
            },
            waivable=False,
        ),
        "rules": {
            "type": "object",
            "description": "Severity per rule id (error, warning, info or off).",
            "propertyNames": {"pattern": "^[A-Z][0-9]{3}$"},
            "additionalProperties": SEVERITY_SETTING,
        },
        "acknowledged_changes": array(
            obj(
                {
                    "change": {"type": "string", "pattern": "^[0-9a-f]{12}$",
                               "description": "The fingerprint `designgate diff` prints."},
                    "reason": _TEXT,
                },
                ("change", "reason"),
                waivable=False,
            ),
            "Changes (breaking ones above all) accepted on purpose, by fingerprint, each "
            "with its reason.",
        ),
        "gate": obj(
            {
                "required_approvals": {"type": "integer", "minimum": 1},
                "max_revision_cycles": {"type": "integer", "minimum": 1},
                "orchestrator": _TEXT,
                "require_code_owners": {"type": "boolean"},
                "orchestrator_logins": {"type": "array", "items": {
                    "type": "string", "pattern": "^@?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                                                 "(?:\\[bot\\])?$"}},
            },
            waivable=False,
        ),
    },
    ("name", "version"),
)

# --- upstream: PRD, dictionary, flows, screens -------------------------------------------

STORY = obj({"id": _TEXT, "text": _TEXT}, ("id", "text"))
REQUIREMENT = obj(
    {
        "id": {"type": "string", "description": "The FR-ID, e.g. FR-001."},
        "title": _TEXT,
        "description": _TEXT,
        "priority": enum("P0", "P1", "P2"),
        "mvp": {"type": "boolean", "description": "Tagged for the MVP release."},
        "stories": array(STORY, "User stories of this requirement."),
    },
    ("title", "priority"),
)
REQUIREMENTS = _file(
    "requirements",
    {"source": _TEXT, "requirements": array(REQUIREMENT)},
    ("requirements",),
)

ATTRIBUTE_TYPES = (
    "string",
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "uuid",
    "enum",
    "json",
    "email",
    "url",
)
ATTRIBUTE = obj(
    {
        "name": _TEXT,
        "type": enum(*ATTRIBUTE_TYPES),
        "required": {"type": "boolean"},
        "description": _TEXT,
        "rules": array(_TEXT, "Business rules."),
        "values": array(_TEXT, "Allowed values of an enum attribute."),
        "max_length": {"type": "integer", "minimum": 1},
        "unique": {"type": "boolean"},
        "personal_data": {"type": "boolean"},
    },
    ("name", "type"),
)
RELATIONSHIP = obj(
    {
        "entity": _TEXT,
        "kind": enum("one-to-one", "one-to-many", "many-to-one", "many-to-many"),
        "description": _TEXT,
        "through": _TEXT,
    },
    ("entity", "kind"),
)
ENTITY = obj(
    {
        "name": _TEXT,
        "description": _TEXT,
        "attributes": array(ATTRIBUTE),
        "relationships": array(RELATIONSHIP),
    },
    ("name", "attributes"),
)
DICTIONARY = _file(
    "dictionary",
    {
        "entities": array(ENTITY),
        "not_applicable": {
            "type": "string",
            "description": "Reason the data dictionary was marked N/A in discovery.",
        },
    },
)

FLOW = obj(
    {
        "id": _TEXT,
        "name": _TEXT,
        "stories": _ID_LIST,
        "fr_ids": _FR_IDS,
        "steps": array(_TEXT),
    },
    ("id", "name"),
)
FLOWS = _file("flows", {"flows": array(FLOW)}, ("flows",))

SCREEN = obj(
    {
        "id": _TEXT,
        "name": _TEXT,
        "flows": _ID_LIST,
        "data_dependent": {"type": "boolean"},
        "wireframe": obj(
            {
                "description": _TEXT,
                "link": _TEXT,
                "shows": array(
                    {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$"},
                    "Entity attributes the screen shows, as Entity.attribute.",
                ),
                "states": array(_TEXT, "Empty, loading and error states designed."),
            },
            ("description",),
            waivable=False,
        ),
    },
    ("id", "name"),
)
SCREENS = _file("screens", {"screens": array(SCREEN)}, ("screens",))

# --- endpoints ---------------------------------------------------------------------------

SQL_COMMAND = enum("select", "insert", "update", "delete")
TABLE_ACCESS = obj(
    {
        "table": _TEXT,
        "access": {
            "oneOf": [
                enum("read", "write"),
                array(SQL_COMMAND),
            ],
            "description": "read (select), write (the endpoint's own command, and select), or "
                           "the exact commands.",
        },
        "via": {
            "type": "string",
            "description": "The SECURITY DEFINER function or trigger that does it, not the "
                           "caller's role.",
        },
    },
    ("table",),
    waivable=False,
)
_PARAM_FIELDS: dict[str, Schema] = {
    "description": _TEXT,
    "schema": PAYLOAD_SCHEMA,
    "required": {"type": "boolean"},
    "example": _ANY,
    "column": {
        "type": "string",
        "description": "The column (table.column) this filter reads; an index must serve it.",
    },
}
PARAMETER = obj({"name": _TEXT, **_PARAM_FIELDS}, ("name",))
PATH_PARAMETER = obj(_PARAM_FIELDS)
SORT = obj(
    {
        "field": _TEXT,
        "column": _TEXT,
        "description": _TEXT,
    },
    ("field",),
)
HEADERS: Schema = {
    "type": "object",
    "description": "Response headers by name: OpenAPI Header Objects.",
    "additionalProperties": {"type": "object"},
}
ERROR_RESPONSE = obj(
    {
        "status": {"type": "integer"},
        "description": _TEXT,
        "content_type": _TEXT,
        "schema": PAYLOAD_SCHEMA,
        "example": _ANY,
        "headers": HEADERS,
    },
    ("status",),
)
ENDPOINT = obj(
    {
        "id": {"type": "string", "description": "Stable id; becomes the operationId."},
        "method": enum("GET", "POST", "PUT", "PATCH", "DELETE"),
        "path": {"type": "string", "pattern": "^/"},
        "summary": _TEXT,
        "description": _TEXT,
        "tags": _ID_LIST,
        "fr_ids": _FR_IDS,
        "permission": {
            "type": "string",
            "description": "resource:action permission required, or 'public'.",
        },
        "singleton": {
            "type": "boolean",
            "description": "A GET on a literal path that returns one object (not a list).",
        },
        "path_params": {
            "type": "object",
            "additionalProperties": PATH_PARAMETER,
            "description": "Path parameters by name (schema defaults from api.id_format).",
        },
        "filters": array(PARAMETER, "Query filters offered by a list endpoint."),
        "sorts": array(SORT, "Sort fields offered by a list endpoint."),
        "query": array(PARAMETER, "Other query parameters."),
        "pagination": obj(
            {
                "style": enum("cursor", "page"),
                "default_page_size": {"type": "integer"},
                "max_page_size": {"type": "integer"},
            },
            waivable=False,
        ),
        "request": obj(
            {
                "content_type": _TEXT,
                "schema": PAYLOAD_SCHEMA,
                "example": _ANY,
                "description": _TEXT,
                "required": {"type": "boolean"},
            },
            ("schema",),
            waivable=False,
        ),
        "response": obj(
            {
                "status": {"type": "integer"},
                "description": _TEXT,
                "content_type": _TEXT,
                "schema": PAYLOAD_SCHEMA,
                "example": _ANY,
                "headers": HEADERS,
            },
            ("status",),
            waivable=False,
        ),
        "errors": array(
            {"oneOf": [{"type": "integer"}, ERROR_RESPONSE]},
            "Error responses: a status code, or a full response.",
        ),
        "default_errors": array(
            {"type": "integer", "minimum": 400, "maximum": 599},
            "Replaces the project's `conventions.responses.errors` for this endpoint "
            "([] for none).",
        ),
        "headers": array(PARAMETER, "Request headers the endpoint reads."),
        "idempotency_key": enum(
            "required", "optional",
            description="The POST accepts an Idempotency-Key header (IETF httpapi draft): "
                        "a retried request with the same key is not performed twice.",
        ),
        "tables": array(
            {"oneOf": [_TEXT, TABLE_ACCESS]},
            "Tables this endpoint reads or writes: a name (the endpoint's own command: GET "
            "reads, POST inserts, PUT/PATCH update, DELETE deletes) or {table, access, via}.",
        ),
        "runs_as": {
            "type": "string",
            "description": "The database role the endpoint's statements run as, when it is "
                           "not the caller's (public endpoints, role switches).",
        },
        "impact": SCORE,
        "effort": SCORE,
        "deprecated": {"type": "boolean"},
        "openapi": {
            "type": "object",
            "description": "Raw OpenAPI Operation fields merged into the generated operation.",
        },
    },
    ("id", "method", "path", "summary"),
)
RESOURCE = obj(
    {
        "name": _TEXT,
        "description": _TEXT,
        "concurrency": enum(
            "etag",
            description="Optimistic concurrency: reads return an ETag, and changes of an "
                        "item require If-Match (412 when it no longer matches, 428 when it "
                        "is missing).",
        ),
    },
    ("name",),
    waivable=False,
)
ENDPOINTS = _file(
    "endpoints",
    {
        "resource": RESOURCE,
        "endpoints": array(ENDPOINT),
    },
    ("endpoints",),
)

SCHEMAS = _file(
    "schemas",
    {
        "schemas": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z0-9._-]+$"},
            "additionalProperties": PAYLOAD_SCHEMA,
            "description": "Named payload schemas (become components/schemas).",
        }
    },
    ("schemas",),
)

# --- database ----------------------------------------------------------------------------

TECHNICAL = enum(
    "key",
    "foreign-key",
    "timestamp",
    "audit",
    "tenant",
    "version",
    "ordering",
    "search",
    description="Why a column has no dictionary attribute.",
)
COLUMN = obj(
    {
        "name": _TEXT,
        "type": {"type": "string", "description": "PostgreSQL type, e.g. uuid, text, varchar(200)."},
        "attribute": {
            "type": "string",
            "description": "Dictionary attribute stored here: attr or Entity.attr.",
        },
        "technical": TECHNICAL,
        "nullable": {"type": "boolean"},
        "default": {"type": ["string", "number", "boolean"]},
        "primary_key": {"type": "boolean"},
        "unique": {"type": "boolean"},
        "check": _TEXT,
        "description": _TEXT,
        "owner": {
            "type": "boolean",
            "description": "Holds the row's owner: the acting user writes it, nobody changes it.",
        },
        "collation": {"type": "string", "description": "The column's collation, e.g. C."},
        "references": obj(
            {
                "table": _TEXT,
                "column": _TEXT,
                "on_delete": enum("cascade", "restrict", "set null", "no action"),
            },
            ("table",),
            waivable=False,
        ),
    },
    ("name", "type"),
)
INDEX = obj(
    {
        "name": _TEXT,
        "columns": array(_TEXT),
        "unique": {"type": "boolean"},
        "method": enum("btree", "gin", "gist", "hash", "brin"),
        "where": _TEXT,
        "serves": {"type": "string", "description": "The query pattern this index serves."},
        "concurrently": {
            "type": "boolean",
            "description": "Created with CREATE INDEX CONCURRENTLY (in a migration with "
                           "`transactional: false`), so writes go on meanwhile.",
        },
    },
    ("name", "columns", "serves"),
)
FOREIGN_KEY = obj(
    {
        "name": _TEXT,
        "columns": array(_TEXT, "The referencing columns, e.g. [workspace_id, project_id]."),
        "references": obj(
            {"table": _TEXT, "columns": array(_TEXT)}, ("table", "columns"), waivable=False
        ),
        "on_delete": enum("cascade", "restrict", "set null", "no action"),
        "description": _TEXT,
    },
    ("columns", "references"),
)
CHECK = obj(
    {
        "name": _TEXT,
        "expression": {"type": "string",
                       "description": "SQL boolean expression over the table's columns."},
        "description": _TEXT,
    },
    ("name", "expression"),
)
TABLE = obj(
    {
        "name": _TEXT,
        "entity": {"type": "string", "description": "Dictionary entity stored in this table."},
        "description": _TEXT,
        "user_data": {
            "type": "boolean",
            "description": "Holds user data (needs RLS). Defaults to true for entity tables.",
        },
        "columns": array(COLUMN),
        "primary_key": array(_TEXT, "Composite primary key columns."),
        "unique": array(array(_TEXT), "Composite unique constraints."),
        "indexes": array(INDEX),
        "checks": array(CHECK),
        "foreign_keys": array(
            FOREIGN_KEY,
            "Foreign keys over several columns: a per-tenant row references the same "
            "tenant's rows with (tenant, id) → (tenant, id).",
        ),
    },
    ("name", "columns"),
)
TABLES = _file("tables", {"tables": array(TABLE)}, ("tables",))

STEP = {
    "type": "object",
    "description": "One forward step: exactly one of the keys.",
    "properties": {
        "create_table": _TEXT,
        "drop_table": _TEXT,
        "create_index": _TEXT,
        "drop_index": _TEXT,
        "add_column": obj({"table": _TEXT, "column": _TEXT}, ("table", "column"), waivable=False),
        "drop_column": obj(
            {
                "table": _TEXT,
                "column": _TEXT,
                "from": obj(
                    {"type": _TEXT,
                     "nullable": {"type": "boolean"},
                     "default": {"type": ["string", "number", "boolean", "null"]}},
                    ("type",),
                    waivable=False,
                ),
            },
            ("table", "column"),
            waivable=False,
        ),
        "alter_column": obj(
            {
                "table": _TEXT,
                "column": _TEXT,
                "change": _TEXT,
                "type": {"type": "boolean", "const": True,
                         "description": "The step changes the type (to the schema's)."},
                "nullable": {"type": "boolean", "const": True,
                             "description": "The step changes nullability (to the schema's)."},
                "default": {"type": "boolean", "const": True,
                            "description": "The step changes the default (to the schema's)."},
                "using": {"type": "string",
                          "description": "SQL converting old values to the new type."},
                "from": obj(
                    {"type": _TEXT,
                     "nullable": {"type": "boolean"},
                     "default": {"type": ["string", "number", "boolean", "null"]}},
                    waivable=False,
                ),
            },
            ("table", "column", "change"),
            waivable=False,
        ),
        "sql": obj({"up": _TEXT, "down": _TEXT}, ("up",), waivable=False),
        "enable_rls": _TEXT,
    },
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}
MIGRATION = obj(
    {
        "id": _TEXT,
        "description": _TEXT,
        "steps": array(STEP),
        "rollback": {"type": "string", "description": "The rollback strategy of this migration."},
        "destructive": obj({"acknowledged": {"type": "boolean"}, "note": _TEXT}, waivable=False),
        "transactional": {
            "type": "boolean",
            "description": "false: run statement by statement outside a transaction (needed "
                           "by CREATE INDEX CONCURRENTLY). Default true.",
        },
        "lock_timeout": {
            "type": "string",
            "description": "SET lock_timeout for the migration, e.g. 5s: give up rather than "
                           "queue every query behind a lock.",
        },
        "statement_timeout": {"type": "string", "description": "SET statement_timeout, e.g. 5min."},
    },
    ("id", "steps"),
)
MIGRATIONS = _file("migrations", {"migrations": array(MIGRATION)}, ("migrations",))

# --- auth --------------------------------------------------------------------------------

ROLE = obj(
    {
        "name": _TEXT,
        "description": _TEXT,
        "inherits": _ID_LIST,
        "permissions": array({"type": "string"}),
        "tables": array(TABLE_ACCESS, "Tables the role uses outside any endpoint (a worker)."),
        "cross_tenant": {
            "type": "boolean",
            "description": "The role reads or writes across tenants on purpose (a worker).",
        },
    },
    ("name",),
)
PERMISSION = obj(
    {"name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$"}, "description": _TEXT},
    ("name",),
)
POLICY = obj(
    {
        "name": _TEXT,
        "table": _TEXT,
        "command": enum("select", "insert", "update", "delete", "all"),
        "roles": _ID_LIST,
        "using": {"type": "string", "description": "SQL boolean expression for visible rows."},
        "with_check": {"type": "string", "description": "SQL boolean expression for written rows."},
        "description": _TEXT,
        "restrictive": {
            "type": "boolean",
            "description": "AS RESTRICTIVE: must pass on top of a permissive policy.",
        },
    },
    ("name", "table", "command", "roles"),
)
TENANCY = obj(
    {
        "tenant": {"type": "string", "description": "The table of tenants."},
        "column": {"type": "string",
                   "description": "The column that scopes a row of a per-tenant table."},
        "setting": {"type": "string",
                    "description": "The session setting holding the caller's tenant id."},
        "user": obj({"table": _TEXT, "setting": _TEXT}, ("table", "setting"), waivable=False),
        "membership": obj(
            {"table": _TEXT, "user": _TEXT, "role": _TEXT}, ("table", "user"), waivable=False
        ),
        "tables": {
            "type": "object",
            "additionalProperties": enum("per-user", "global"),
            "description": "The scope of each table without the tenant column.",
        },
    },
    ("tenant", "column", "setting"),
    "Who owns which rows; the RLS policies are checked against it.",
    waivable=False,
)
AUTH = _file(
    "auth",
    {
        "strategy": enum("jwt", "session", "oauth2", "api-key"),
        "description": _TEXT,
        "token": obj(
            {
                "header": _TEXT,
                "bearer_format": _TEXT,
                "cookie": _TEXT,
                "issuer": _TEXT,
                "lifetime": _TEXT,
                "claims": array(_TEXT),
                "authorization_url": _TEXT,
                "token_url": _TEXT,
                "scopes": {"type": "object", "additionalProperties": _TEXT},
            },
            waivable=False,
        ),
        "session_settings": {
            "type": "object",
            "additionalProperties": _TEXT,
            "description": "Postgres settings the RLS policies read, and where each comes from.",
        },
        "tenancy": TENANCY,
        "roles": array(ROLE),
        "permissions": array(PERMISSION),
        "policies": array(POLICY, "Row-level security policies (PostgreSQL)."),
    },
)

# --- integrations ------------------------------------------------------------------------

RETRY = obj(
    {
        "max_attempts": {"type": "integer", "minimum": 0},
        "backoff": enum("none", "fixed", "linear", "exponential"),
        "initial_delay": _TEXT,
        "max_delay": _TEXT,
    },
    ("max_attempts",),
    waivable=False,
)
WEBHOOK = obj(
    {
        "name": _TEXT,
        "summary": _TEXT,
        "description": _TEXT,
        "fr_ids": _FR_IDS,
        "trigger": _TEXT,
        "payload": EXAMPLE_PAYLOAD,
        "signing": obj(
            {"algorithm": _TEXT, "header": _TEXT, "secret": _TEXT}, ("algorithm", "header"), waivable=False
        ),
        "retries": RETRY,
        "timeout": _TEXT,
    },
    ("name",),
)
EVENT = obj(
    {
        "name": _TEXT,
        "version": {"type": ["integer", "string"]},
        "description": _TEXT,
        "fr_ids": _FR_IDS,
        "producer": _TEXT,
        "consumers": _ID_LIST,
        "channel": _TEXT,
        "payload": EXAMPLE_PAYLOAD,
    },
    ("name", "version"),
)
THIRD_PARTY = obj(
    {
        "name": _TEXT,
        "provider": _TEXT,
        "purpose": _TEXT,
        "fr_ids": _FR_IDS,
        "base_url": _TEXT,
        "operations": array(
            obj(
                {"name": _TEXT, "method": _TEXT, "path": _TEXT, "description": _TEXT},
                ("name",),
                waivable=False,
            )
        ),
        "auth": obj({"type": _TEXT, "description": _TEXT, "secret": _TEXT}, ("type",), waivable=False),
        "failure_modes": array(
            obj({"failure": _TEXT, "handling": _TEXT}, ("failure", "handling"), waivable=False)
        ),
        "retries": RETRY,
        "timeout": _TEXT,
    },
    ("name", "provider"),
)
INTEGRATIONS = _file(
    "integrations",
    {
        "webhooks": array(WEBHOOK, "Outgoing webhooks."),
        "events": array(EVENT, "Asynchronous events."),
        "third_party": array(THIRD_PARTY, "Third-party API contracts."),
    },
)

# --- handoff -----------------------------------------------------------------------------

HANDOFF = _file(
    "handoff",
    {
        "from_phase": _TEXT,
        "received": _TEXT,
        "primary_flows": array(_TEXT, "Flows that need backend support (flow ids)."),
        "decisions": array(
            obj(
                {"id": _TEXT, "decision": _TEXT, "intent": _TEXT, "preserve": {"type": "boolean"}},
                ("id", "decision"),
            )
        ),
        "assumptions": array(
            obj(
                {
                    "id": _TEXT,
                    "text": _TEXT,
                    "affects": array(enum("api", "schema", "auth", "integrations")),
                    "flagged": {"type": "boolean"},
                    "note": _TEXT,
                },
                ("id", "text"),
            )
        ),
        "rfis": array(
            obj(
                {
                    "id": _TEXT,
                    "question": _TEXT,
                    "status": enum("open", "resolved", "escalated"),
                    "owner": _TEXT,
                    "resolution": _TEXT,
                },
                ("id", "question", "status"),
            )
        ),
    },
)

SCHEMAS_BY_KIND: dict[str, Schema] = {
    "project": PROJECT,
    "requirements": REQUIREMENTS,
    "dictionary": DICTIONARY,
    "flows": FLOWS,
    "screens": SCREENS,
    "endpoints": ENDPOINTS,
    "schemas": SCHEMAS,
    "tables": TABLES,
    "migrations": MIGRATIONS,
    "auth": AUTH,
    "integrations": INTEGRATIONS,
    "handoff": HANDOFF,
}
assert tuple(SCHEMAS_BY_KIND) == KINDS


def any_file_schema() -> Schema:
    """One schema for any design file, dispatching on ``kind`` (for editor settings)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}design.json",
        "title": "designgate design file",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(KINDS)}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": k}}},
                "then": {"$ref": f"{k}.json"},
            }
            for k in KINDS
        ],
    }
