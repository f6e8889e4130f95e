"""Naming (N): resource paths, operation ids, tables, columns and indexes follow conventions."""

from __future__ import annotations

import re
from collections.abc import Iterator

from designgate.findings import Severity
from designgate.model.design import Design, Endpoint
from designgate.rules.registry import Hit, register

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
PARAM = re.compile(r"^\{([^{}]*)\}$")
#: PostgreSQL truncates identifiers longer than this many bytes.
PG_MAX_IDENTIFIER = 63

#: Plurals that do not end in a plain "s", and nouns that name collections uncounted.
PLURAL_WORDS = frozenset({
    "people", "children", "men", "women", "mice", "geese", "teeth", "feet", "oxen",
    "data", "metadata", "media", "criteria", "phenomena", "indices", "appendices",
    "vertices", "matrices", "alumni", "cacti", "fungi", "stimuli", "syllabi", "bacteria",
    "curricula", "strata", "feedback", "information", "equipment", "inventory", "history",
    "software", "hardware", "staff", "personnel", "news", "series", "species", "music",
    "audio", "video", "content", "mail", "traffic", "evidence", "luggage", "baggage",
    "furniture", "research", "knowledge",
    # plurals ending in -us or -is, which the suffix test would call singular
    "menus", "gurus", "emus", "haikus", "tofus", "apis", "kpis", "taxis", "skis", "wikis",
    "emojis", "kiwis", "rabbis", "bikinis", "safaris", "minis", "sushis", "uris", "guis",
    "cpus", "gpus", "skus", "sdks", "ids",
})
#: Singular nouns that end in a plain "s" (not -ss, -us or -is, which count as singular).
SINGULAR_S = frozenset({
    "alias", "atlas", "bias", "canvas", "gas", "lens", "chaos", "cosmos", "ethos",
    "pathos", "kudos", "christmas", "pancreas", "bus", "yes",
})
_IRREGULAR = {"person": "people", "child": "children", "man": "men", "woman": "women",
              "mouse": "mice", "goose": "geese", "tooth": "teeth", "foot": "feet",
              "datum": "data", "medium": "media", "criterion": "criteria", "index": "indexes"}

#: Words that are verbs in an API path wherever they appear in a segment.
VERBS = frozenset({
    "get", "list", "create", "update", "delete", "remove", "add", "set", "fetch",
    "retrieve", "make", "do", "execute", "run", "send", "submit", "assign", "unassign",
    "approve", "reject", "cancel", "enable", "disable", "activate", "deactivate", "edit",
    "modify", "save", "insert", "put", "post", "patch", "query", "find", "upsert",
    "destroy", "login", "logout", "signin", "signout", "signup", "register", "publish",
    "unpublish", "verify", "validate", "invite", "duplicate", "calculate", "compute",
    "generate", "toggle", "mark", "resend", "revoke", "subscribe", "unsubscribe", "restore",
    "refresh", "retry", "unlock", "pause", "resume", "sync", "reset",
})
#: Words that are verbs only when they make up the whole segment (`/notes/export`); as part
#: of a compound they are usually nouns (`export-jobs`, `search-results`).
SEGMENT_VERBS = frozenset({
    "search", "export", "import", "upload", "download", "archive", "unarchive", "copy",
    "merge", "lock", "start", "stop", "process", "trigger", "move", "close", "open",
    "complete", "share", "check", "view", "show", "read", "write", "change",
})


def is_plural(segment: str) -> bool:
    """Whether the last word of a kebab-case segment reads as a plural (or uncountable) noun.

    Heuristic, tuned for few false positives: a word is plural when it is a known irregular
    plural or uncountable noun (``people``, ``data``, ``feedback``...), or when it ends in
    ``s`` but not in ``ss``, ``us`` or ``is`` (``address``, ``status``, ``analysis`` are
    singular) and is not a known singular ending in ``s`` (``alias``, ``canvas``).
    """
    word = segment.lower().rsplit("-", 1)[-1]
    if word in PLURAL_WORDS:
        return True
    if word in SINGULAR_S or not word.endswith("s"):
        return False
    return not word.endswith(("ss", "us", "is"))


def pluralize(segment: str) -> str:
    """A plausible plural of ``segment``'s last word, for the message."""
    head, _, word = segment.rpartition("-")
    prefix = f"{head}-" if head else ""
    if word in _IRREGULAR:
        return prefix + _IRREGULAR[word]
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return f"{prefix}{word[:-1]}ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return f"{prefix}{word}es"
    return f"{prefix}{word}s"


def _params(ep: Endpoint) -> list[bool]:
    return [PARAM.match(s) is not None for s in ep.segments]


@register("N001", "path-segment-case", Severity.ERROR,
          "A path segment is not kebab-case, or a path parameter is not camelCase.")
def check_segment_case(design: Design) -> Iterator[Hit]:
    """
    Resource paths use kebab-case literal segments (`/api-keys`, not `/apiKeys` or
    `/api_keys`) and camelCase path parameters (`{taskId}`), the seed's *"resource naming
    (plural nouns, kebab-case)"*. Consistent casing makes URLs predictable for clients and
    keeps generated client code and route tables clean. A segment that mixes a parameter with
    literal text (`{id}.json`, `v{n}`) is reported too: make the parameter its own segment.

    ```yaml
    path: /workspaces/{workspaceId}/api-keys
    ```
    """
    for ep in design.endpoints:
        where = ep.loc.at("path")
        for seg in ep.segments:
            m = PARAM.match(seg)
            if m:
                if not CAMEL.match(m.group(1)):
                    yield Hit(where, f"path parameter '{seg}' in {ep.path} is not camelCase; "
                              "name it like {taskId}")
            elif "{" in seg or "}" in seg:
                yield Hit(where, f"segment '{seg}' in {ep.path} mixes a parameter with literal "
                          "text; make the parameter a whole segment")
            elif not KEBAB.match(seg):
                yield Hit(where, f"path segment '{seg}' in {ep.path} is not kebab-case; "
                          f"write it like '{_kebab(seg)}'")


def _kebab(seg: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", seg)
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return s or "resources"


@register("N002", "collection-not-plural", Severity.WARNING,
          "A collection segment is not a plural noun.")
def check_plural_collections(design: Design) -> Iterator[Hit]:
    """
    Collections are named with plural nouns (`/tasks`, `/tasks/{taskId}`), as the seed
    requires (*"plural nouns, kebab-case"*). A literal segment is a collection when a path
    parameter follows it, or when it ends the path of a list endpoint (a GET on a literal
    last segment without `singleton: true`). The check looks at the last word of the segment
    (`api-keys` → `keys`) and treats it as plural when it is a known irregular plural or
    uncountable noun (`people`, `data`, `media`, `feedback`, `history`...) or ends in `s` but
    not in `ss`, `us` or `is` (so `address`, `status`, `analysis` are singular). It is a
    heuristic, hence a warning: waive it with a reason for a real exception.

    ```yaml
    - {id: getTask, method: GET, path: "/tasks/{taskId}"}   # not /task/{taskId}
    - {id: getMe, method: GET, path: /me, singleton: true}  # one object, not a list
    ```
    """
    for ep in design.endpoints:
        segs, params = ep.segments, _params(ep)
        for i, seg in enumerate(segs):
            if params[i] or "{" in seg:
                continue
            followed = i + 1 < len(segs) and params[i + 1]
            last_of_list = i == len(segs) - 1 and ep.is_list
            if (followed or last_of_list) and not is_plural(seg):
                hint = " (or mark a single-object GET `singleton: true`)" if last_of_list else ""
                yield Hit(ep.loc.at("path"), f"collection '{seg}' in {ep.path} is not a plural "
                          f"noun; name it '{pluralize(seg.lower())}'{hint}")


@register("N003", "verb-in-path", Severity.ERROR,
          "A path contains a verb; paths name resources, methods name actions.")
def check_verbs(design: Design) -> Iterator[Hit]:
    """
    In REST the HTTP method is the verb and the path names a resource, so `/getTasks`,
    `/tasks/create` or `/tasks/{taskId}/assign` repeat or hide the method and break the
    uniform interface. The check reports a literal segment containing a common API verb
    (`get`, `create`, `delete`, `assign`, `approve`, `send`, ...) as one of its kebab-case
    words; a few words that are nouns as often as verbs (`search`, `export`, `archive`...)
    only count when they are the whole segment. Plural nouns (`exports`, `runs`) never count.

    Model an action as a noun sub-resource it creates, or as a state change:

    ```yaml
    - id: assignTask           # not POST /tasks/{taskId}/assign
      method: POST
      path: /tasks/{taskId}/assignments
    - id: archiveProject       # not POST /projects/{projectId}/archive
      method: PATCH
      path: /projects/{projectId}   # body: {status: archived}
    ```
    """
    for ep in design.endpoints:
        for seg in ep.segments:
            if "{" in seg:
                continue
            words = re.split(r"[-_]|(?<=[a-z0-9])(?=[A-Z])", seg)
            words = [w.lower() for w in words if w]
            verb = next((w for w in words if w in VERBS), None)
            if verb is None and len(words) == 1 and words[0] in SEGMENT_VERBS:
                verb = words[0]
            if verb is not None:
                yield Hit(ep.loc.at("path"), f"{ep.path} contains the verb '{verb}' (segment "
                          f"'{seg}'); let the method carry the action and name a resource, e.g. "
                          "a noun sub-resource like POST /tasks/{taskId}/assignments")


@register("N004", "path-syntax", Severity.ERROR,
          "A path has a trailing slash, a query string or an empty segment.")
def check_path_syntax(design: Design) -> Iterator[Hit]:
    """
    A path is `/` followed by segments separated by single slashes. A trailing slash makes
    `/tasks` and `/tasks/` two different URLs for most servers; a query string (`?`) or
    fragment (`#`) does not belong in the path template — query parameters are declared as
    `filters:`, `sorts:` or `query:`; an empty segment (`//`) is a typo that many routers
    reject. (The root path `/` alone is fine.)

    ```yaml
    path: /tasks
    filters:
      - name: status
        schema: {type: string}
    ```
    """
    for ep in design.endpoints:
        where, p = ep.loc.at("path"), ep.path
        if "?" in p or "#" in p:
            yield Hit(where, f"{p} contains a query string or fragment; declare query "
                      "parameters under `filters:`, `sorts:` or `query:` instead")
        route = re.split(r"[?#]", p, maxsplit=1)[0]
        if "//" in route:
            yield Hit(where, f"{p} has an empty segment ('//'); remove the extra slash")
        if len(route) > 1 and route.endswith("/"):
            yield Hit(where, f"{p} ends with a slash; remove the trailing slash")


def _route_key(ep: Endpoint) -> tuple[str, ...]:
    return tuple("{}" if PARAM.match(s) else s for s in ep.segments)


@register("N005", "ambiguous-route", Severity.ERROR,
          "Two endpoints have the same method and path (up to parameter names).")
def check_ambiguous_routes(design: Design) -> Iterator[Hit]:
    """
    Two endpoints with the same method on the same path — also when only the parameter
    names differ (`GET /tasks/{id}` and `GET /tasks/{taskId}`) — cannot both be routed: a
    server picks one and the other is unreachable, and OpenAPI cannot express them as
    separate operations. Merge them or give one a different path. (Two endpoints with the
    same `id` are reported by the loader as L015.)

    ```yaml
    - {id: getTask, method: GET, path: "/tasks/{taskId}"}
    - {id: getTaskHistory, method: GET, path: "/tasks/{taskId}/history"}
    ```
    """
    first: dict[tuple[str, tuple[str, ...]], Endpoint] = {}
    for ep in design.endpoints:
        key = (ep.method, _route_key(ep))
        other = first.setdefault(key, ep)
        if other is not ep:
            yield Hit(ep.loc.at("path"), f"{ep.method} {ep.path} ({ep.id}) is the same route as "
                      f"{other.method} {other.path} ({other.id}, {other.loc.at('path').span}); "
                      "merge them or change one path")


@register("N009", "path-parameter-names", Severity.ERROR,
          "The same path is written with different parameter names.")
def check_param_names(design: Design) -> Iterator[Hit]:
    """
    Endpoints on one path (GET, PATCH and DELETE of `/tasks/{taskId}`) must spell its
    parameters the same way. OpenAPI treats `/tasks/{id}` and `/tasks/{taskId}` as the same
    templated path, which must not appear twice, so the generated document would be invalid;
    clients and docs would also show two names for one thing. Rename the parameters to
    match the first endpoint written on that path.

    ```yaml
    - {id: getTask, method: GET, path: "/tasks/{taskId}"}
    - {id: deleteTask, method: DELETE, path: "/tasks/{taskId}"}   # not {id}
    ```
    """
    first: dict[tuple[str, ...], Endpoint] = {}
    for ep in design.endpoints:
        other = first.setdefault(_route_key(ep), ep)
        if other is not ep and other.path_param_names != ep.path_param_names:
            yield Hit(ep.loc.at("path"), f"{ep.path} ({ep.id}) names its parameters "
                      f"differently from {other.path} ({other.id}, {other.loc.at('path').span}); "
                      "use the same names on the same path")


@register("N006", "table-name-case", Severity.ERROR,
          "A table name is not snake_case.")
def check_table_names(design: Design) -> Iterator[Hit]:
    """
    Table names are lower snake_case (`task_labels`): PostgreSQL folds unquoted identifiers
    to lower case, so `TaskLabels` only works when quoted everywhere, and dashes are not
    valid in unquoted identifiers at all. Names longer than 63 bytes are silently truncated
    by PostgreSQL and reported too.

    ```yaml
    tables:
      - name: task_labels
    ```
    """
    for table in design.tables.values():
        msg = _identifier_problem(table.name)
        if msg:
            yield Hit(table.loc.at("name"), f"table name '{table.name}' {msg}")


@register("N007", "column-name-case", Severity.ERROR,
          "A column or index name is not snake_case.")
def check_column_names(design: Design) -> Iterator[Hit]:
    """
    Column and index names are lower snake_case (`created_at`, `tasks_project_status_idx`)
    for the same reasons as table names (N006): PostgreSQL folds unquoted identifiers to lower
    case and truncates them after 63 bytes, which can make two index names collide. The
    API's JSON fields may differ; columns follow the database convention.

    ```yaml
    columns:
      - {name: created_at, type: timestamptz, technical: timestamp}
    ```
    """
    for table in design.tables.values():
        for col in table.columns:
            msg = _identifier_problem(col.name)
            if msg:
                yield Hit(col.loc.at("name"), f"column '{col.name}' of {table.name} {msg}")
        for ix in table.indexes:
            msg = _identifier_problem(ix.name)
            if msg:
                yield Hit(ix.loc.at("name"), f"index '{ix.name}' of {table.name} {msg}")


def _identifier_problem(name: str) -> str | None:
    if not SNAKE.match(name):
        return f"is not snake_case; write it like '{_snake(name)}'"
    if len(name.encode()) > PG_MAX_IDENTIFIER:
        return (f"is longer than {PG_MAX_IDENTIFIER} bytes and PostgreSQL would truncate it; "
                "shorten it")
    return None


def _snake(name: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").lower()
    return s if s and s[0].isalpha() else f"t_{s}"


@register("N008", "operation-id-case", Severity.ERROR,
          "An endpoint id (the operationId) is not camelCase.")
def check_operation_ids(design: Design) -> Iterator[Hit]:
    """
    The endpoint `id` becomes the OpenAPI `operationId`, which client generators turn into
    method names and documentation tools into URL anchors. It must be camelCase letters and
    digits (`listTasks`, `createTaskComment`): no spaces, dashes, dots or slashes, so it is
    URL-safe and a valid identifier in every client language. Uniqueness is checked by the
    loader (L015).

    ```yaml
    - id: listTaskComments     # not list-task-comments or "List comments"
    ```
    """
    for ep in design.endpoints:
        if not CAMEL.match(ep.id):
            yield Hit(ep.loc.at("id"), f"endpoint id '{ep.id}' is not camelCase; write it "
                      f"like '{_camel(ep.id)}' (it becomes the operationId)")


def _camel(name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    if not words:
        return "operationName"
    out = words[0][0].lower() + words[0][1:] + "".join(w[0].upper() + w[1:] for w in words[1:])
    return out if out[0].isalpha() else f"op{out}"
