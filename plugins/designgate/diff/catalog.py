"""The change catalog: every kind of change ``designgate diff`` reports.

Each check has a stable id, a level and a sentence of documentation. The API checks take
oasdiff's ids where oasdiff has the same check (``oasdiff`` names it), so a team that knows
one tool reads the other; the schema checks are one table of aspects applied to each place a
schema sits (request body, request property, parameter, response body, response property,
response header, webhook and event payloads), and the direction decides the level the way
oasdiff does: narrowing what a server accepts breaks requests, widening what it returns
breaks responses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.IntEnum):
    INFO = 1
    WARNING = 2
    BREAKING = 3

    def __str__(self) -> str:
        return self.name.lower()


B, W, N = Level.BREAKING, Level.WARNING, Level.INFO  # N: news, not a problem

AREAS = {
    "api": "API contract",
    "database": "Database",
    "auth": "Auth and permissions",
    "integrations": "Webhooks, events and third parties",
    "upstream": "Requirements, flows and screens",
    "version": "Version policy",
}


@dataclass(frozen=True, slots=True)
class ChangeKind:
    id: str
    level: Level
    area: str
    summary: str  # one sentence: what the change is
    why: str  # why it has this level, and what to do
    oasdiff: str | None = None  # oasdiff's id for the same check, if it has one

    def explain(self) -> str:
        parts = [f"# {self.id}", f"Level {self.level}; area {AREAS[self.area]}.", self.summary,
                 self.why]
        if self.oasdiff:
            parts.append(f"oasdiff reports the same change as `{self.oasdiff}`.")
        return "\n\n".join(parts)


CATALOG: dict[str, ChangeKind] = {}


def _add(id: str, level: Level, area: str, summary: str, why: str,
         oasdiff: str | None = None) -> None:
    if id in CATALOG:
        raise ValueError(f"duplicate change id {id}")
    if oasdiff is not None and oasdiff not in _OASDIFF:
        oasdiff = None
    CATALOG[id] = ChangeKind(id, level, area, summary, why, oasdiff)


# --- schema aspects, per place ----------------------------------------------------------

#: Where a schema sits: id prefix of the root and of its properties, and the direction.
PLACES: dict[str, tuple[str, str, str, str]] = {
    # place: (root prefix, property prefix, direction, what it is, in words)
    "request-body": ("request-body", "request-property", "request", "the request body"),
    "request-parameter": ("request-parameter", "request-parameter-property", "request",
                          "a request parameter"),
    "response-body": ("response-body", "response-property", "response", "the response body"),
    "response-header": ("response-header", "response-header-property", "response",
                        "a response header"),
    "webhook-payload": ("webhook-payload", "webhook-payload-property", "response",
                        "a webhook payload"),
    "event-payload": ("event-payload", "event-payload-property", "response",
                      "an event payload"),
}

# aspect: (level on the request side, level on the response side, summary, why)
ASPECTS: dict[str, tuple[Level, Level, str, str]] = {
    "type-changed": (B, B, "the type or format changed to an unrelated one",
                     "Values of the old type are refused, or arrive as something else."),
    "type-generalized": (N, B, "the type was widened (a type or `null` added, integer to "
                         "number, a format removed)",
                         "A server accepts more (fine for requests); clients parsing the "
                         "response meet values they were not written for."),
    "type-specialized": (B, N, "the type was narrowed (a type removed, number to integer, a "
                         "format added)",
                         "Requests that were valid are refused; responses only get tighter."),
    "became-nullable": (N, B, "`null` became a valid value",
                        "Clients that read the response must now handle null."),
    "became-not-nullable": (B, N, "`null` is no longer a valid value",
                            "Clients that send null are refused."),
    "became-enum": (B, N, "the value was restricted to an enum",
                    "Requests with any other value are refused."),
    "enum-removed": (N, W, "the enum restriction was lifted",
                     "Responses may carry values clients do not expect."),
    "enum-value-removed": (B, N, "an enum value was removed",
                           "Requests that send it are refused."),
    "enum-value-added": (N, W, "an enum value was added",
                         "Clients that switch over the response values meet an unknown one."),
    "const-added": (B, N, "a `const` was set", "Only one value is accepted now."),
    "const-changed": (B, B, "the `const` value changed", "The one valid value is another."),
    "const-removed": (N, B, "the `const` was removed", "The value is no longer fixed."),
    "max-decreased": (B, N, "`maximum` was lowered", "Larger requests are refused."),
    "max-increased": (N, B, "`maximum` was raised", "Responses may exceed what clients hold."),
    "max-set": (W, N, "a `maximum` was set", "Requests above it, valid before, are refused."),
    "max-unset": (N, B, "the `maximum` was removed", "Responses are no longer bounded."),
    "min-increased": (B, N, "`minimum` was raised", "Smaller requests are refused."),
    "min-decreased": (N, B, "`minimum` was lowered", "Responses may be below what clients assume."),
    "min-set": (W, N, "a `minimum` was set", "Requests below it, valid before, are refused."),
    "min-unset": (N, B, "the `minimum` was removed", "Responses are no longer bounded below."),
    "exclusive-max-decreased": (B, N, "`exclusiveMaximum` was lowered",
                                "Larger requests are refused."),
    "exclusive-max-increased": (N, B, "`exclusiveMaximum` was raised",
                                "Responses may exceed what clients hold."),
    "exclusive-min-increased": (B, N, "`exclusiveMinimum` was raised",
                                "Smaller requests are refused."),
    "exclusive-min-decreased": (N, B, "`exclusiveMinimum` was lowered",
                                "Responses may be below what clients assume."),
    "max-length-decreased": (B, N, "`maxLength` was lowered", "Longer strings are refused."),
    "max-length-increased": (N, B, "`maxLength` was raised",
                             "Responses may be longer than clients store."),
    "max-length-set": (W, N, "a `maxLength` was set", "Longer strings, valid before, are refused."),
    "max-length-unset": (N, B, "the `maxLength` was removed", "Responses are no longer bounded."),
    "min-length-increased": (B, N, "`minLength` was raised", "Shorter strings are refused."),
    "min-length-decreased": (N, B, "`minLength` was lowered",
                             "Responses may be shorter (empty) where clients assume not."),
    "max-items-decreased": (B, N, "`maxItems` was lowered", "Longer lists are refused."),
    "max-items-increased": (N, B, "`maxItems` was raised",
                            "Responses may hold more items than clients expect."),
    "min-items-increased": (B, N, "`minItems` was raised", "Shorter lists are refused."),
    "min-items-decreased": (N, B, "`minItems` was lowered",
                            "Responses may hold fewer items (none) than clients assume."),
    "pattern-added": (B, N, "a `pattern` was added", "Strings that do not match are refused."),
    "pattern-changed": (W, W, "the `pattern` changed",
                        "Some strings valid under one pattern are not under the other."),
    "pattern-removed": (N, W, "the `pattern` was removed", "Responses are no longer constrained."),
    "default-value-changed": (W, N, "the default value changed",
                              "Requests that omit the value now get another behaviour."),
    "default-value-added": (N, N, "a default value was added", "Documentation only."),
    "default-value-removed": (W, N, "the default value was removed",
                              "Requests that omit the value no longer know what they get."),
    "additional-properties-forbidden": (B, N, "`additionalProperties` was tightened to false",
                                        "Requests with fields the schema does not name are "
                                        "refused."),
    "additional-properties-allowed": (N, W, "`additionalProperties` was loosened",
                                      "Responses may carry fields strict clients reject."),
    "one-of-added": (N, B, "a `oneOf` alternative was added",
                     "Responses may take a shape clients do not know."),
    "one-of-removed": (B, N, "a `oneOf` alternative was removed",
                       "Requests of that shape are refused."),
    "any-of-added": (N, B, "an `anyOf` alternative was added",
                     "Responses may take a shape clients do not know."),
    "any-of-removed": (B, N, "an `anyOf` alternative was removed",
                       "Requests of that shape are refused."),
    "all-of-added": (B, N, "an `allOf` part was added", "Every value must now also match it."),
    "all-of-removed": (W, B, "an `allOf` part was removed",
                       "Responses no longer promise what it required."),
    "discriminator-added": (N, N, "a `discriminator` was added",
                            "A hint for choosing among the alternatives; values do not change."),
    "discriminator-removed": (N, N, "the `discriminator` was removed",
                              "The alternatives still decide what is valid; generated "
                              "clients try each of them instead."),
    "discriminator-property-name-changed": (
        B, B, "the `discriminator` reads another property",
        "Servers and generated clients pick the alternative by a property the other side "
        "does not set."),
    "discriminator-mapping-added": (N, W, "a `discriminator` mapping was added",
                                    "Clients meet a type value they have no class for."),
    "discriminator-mapping-deleted": (N, N, "a `discriminator` mapping was removed",
                                      "The value falls back to the schema of its name "
                                      "(OpenAPI's implicit mapping); check that one exists."),
    "discriminator-mapping-changed": (B, B, "a `discriminator` value maps to another schema",
                                      "The same type value now means another shape."),
    "deprecated": (N, N, "it was deprecated", "Plan its removal; say when (a sunset)."),
    "reactivated": (N, N, "it is no longer deprecated", "Documentation only."),
}

def oasdiff_levels() -> dict[str, Level]:
    """oasdiff's own check ids and levels (``oasdiff_checks.txt``, taken from its
    ``checker/rules.go``): ERR is breaking, WARN a warning, INFO info."""
    from importlib.resources import files

    text = files("designgate.diff").joinpath("oasdiff_checks.txt").read_text("utf-8")
    levels = {"ERR": B, "WARN": W, "INFO": N}
    out: dict[str, Level] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            cid, level = line.split()
            out[cid] = levels[level]
    return out


_OASDIFF = oasdiff_levels()


#: Where a place's level differs from its direction's: a parameter's default is what the
#: server assumes when a client omits it (oasdiff: breaking), a body property's default is
#: documentation (info); patterns on the response side are documentation too.
_PLACE_LEVELS: dict[tuple[str, str], Level] = {
    **{(p, a): lvl for p in ("request-parameter",) for a, lvl in (
        ("default-value-changed", B), ("default-value-added", B), ("default-value-removed", B))},
    **{(p, a): N for p in ("request-body", "request-property") for a in (
        "default-value-changed", "default-value-removed")},
    ("request-parameter-property", "type-changed"): W,
    **{(p, a): N for p in ("response-body", "response-property") for a in (
        "pattern-changed", "pattern-removed")},
}


def schema_id(place: str, aspect: str, *, root: bool) -> str:
    root_prefix, prop_prefix, _, _ = PLACES[place]
    return f"{root_prefix if root else prop_prefix}-{aspect}"


def _schema_checks() -> None:
    for place, (root_prefix, prop_prefix, direction, words) in PLACES.items():
        for root, prefix in ((True, root_prefix), (False, prop_prefix)):
            if place == "response-header" and not root:
                continue
            where = words if root else f"a property of {words}"
            for aspect, (req, resp, summary, why) in ASPECTS.items():
                level = _PLACE_LEVELS.get((prefix, aspect),
                                          req if direction == "request" else resp)
                _add(f"{prefix}-{aspect}", level, "integrations" if "payload" in place
                     else "api", f"In {where}, {summary}.",
                     why + (" (Request side: what the server accepts.)" if direction ==
                            "request" else " (Response side: what clients receive.)"),
                     f"{prefix}-{aspect}" if f"{prefix}-{aspect}" in _OASDIFF else None)


_schema_checks()

# --- properties ---------------------------------------------------------------------------

_add("new-required-request-property", B, "api", "A required property was added to a request.",
     "Clients that do not send it are refused.", "new-required-request-property")
_add("new-optional-request-property", N, "api", "An optional property was added to a request.",
     "Existing clients keep working.", "new-optional-request-property")
_add("request-property-removed", W, "api", "A property was removed from a request.",
     "Clients that still send it may be refused where unknown fields are.",
     "request-property-removed")
_add("request-property-became-required", B, "api", "A request property became required.",
     "Clients that omit it are refused.", "request-property-became-required")
_add("request-property-became-optional", N, "api", "A request property became optional.",
     "Existing clients keep working.", "request-property-became-optional")
_add("response-required-property-removed", B, "api",
     "A required property was removed from a response.",
     "Clients that read it break.", "response-required-property-removed")
_add("response-optional-property-removed", W, "api",
     "An optional property was removed from a response.",
     "Clients that read it when present lose it.", "response-optional-property-removed")
_add("response-property-became-optional", B, "api", "A response property became optional.",
     "Clients that rely on its presence break.", "response-property-became-optional")
_add("response-property-became-required", N, "api", "A response property became required.",
     "Responses only promise more.", "response-property-became-required")
_add("response-required-property-added", N, "api",
     "A required property was added to a response.",
     "Responses only promise more.", "response-required-property-added")
_add("response-optional-property-added", N, "api",
     "An optional property was added to a response.",
     "Clients ignore what they do not read.", "response-optional-property-added")
# readOnly / writeOnly flips: a read-only property is not sent, a write-only one is not
# returned (OpenAPI 3.1 §4.8.24.1); `required` applies on the side the property is part of.
for _req in ("required", "optional"):
    _R = _req == "required"
    _A = "A" if _R else "An"
    _add(f"request-{_req}-property-became-read-only", W, "api",
         f"{_A} {_req} request property became read-only.",
         "Clients can no longer set it: what they send is ignored or refused, as if it were "
         "removed from the request.", f"request-{_req}-property-became-read-only")
    _add(f"request-{_req}-property-became-not-read-only", B if _R else N, "api",
         f"{_A} {_req} request property is no longer read-only.",
         ("Requests must now send it: clients that do not are refused." if _R else
          "Clients may now set it."), f"request-{_req}-property-became-not-read-only")
    _add(f"request-{_req}-property-became-write-only", N, "api",
         f"{_A} {_req} request property became write-only.",
         "Requests are unchanged (it is no longer returned: see the response side).",
         f"request-{_req}-property-became-write-only")
    _add(f"request-{_req}-property-became-not-write-only", N, "api",
         f"{_A} {_req} request property is no longer write-only.", "Requests are unchanged.",
         f"request-{_req}-property-became-not-write-only")
    _add(f"response-{_req}-property-became-write-only", B if _R else W, "api",
         f"{_A} {_req} response property became write-only.",
         "It is no longer returned: clients that read it " + ("break." if _R else
                                                               "when present lose it."),
         f"response-{_req}-property-became-write-only")
    _add(f"response-{_req}-property-became-not-write-only", W, "api",
         f"{_A} {_req} response property is no longer write-only.",
         "A value clients only wrote (a password, a secret) is returned now: review what it "
         "exposes.", f"response-{_req}-property-became-not-write-only")
    _add(f"response-{_req}-property-became-read-only", N, "api",
         f"{_A} {_req} response property became read-only.", "Responses are unchanged.",
         f"response-{_req}-property-became-read-only")
    _add(f"response-{_req}-property-became-not-read-only", N, "api",
         f"{_A} {_req} response property is no longer read-only.", "Responses are unchanged.",
         f"response-{_req}-property-became-not-read-only")

for _place in ("webhook-payload", "event-payload"):
    _p = PLACES[_place][1]
    _add(f"{_p}-required-removed", B, "integrations",
         f"A required property was removed from {PLACES[_place][3]}.",
         "Consumers that read it break.")
    _add(f"{_p}-optional-removed", W, "integrations",
         f"An optional property was removed from {PLACES[_place][3]}.",
         "Consumers that read it when present lose it.")
    _add(f"{_p}-became-optional", B, "integrations",
         f"A property of {PLACES[_place][3]} became optional.",
         "Consumers that rely on its presence break.")
    _add(f"{_p}-added", N, "integrations", f"A property was added to {PLACES[_place][3]}.",
         "Consumers ignore what they do not read.")

# --- operations, parameters, bodies, responses ------------------------------------------

_add("endpoint-added", N, "api", "An operation was added.", "Nothing existing breaks.",
     "endpoint-added")
_add("api-removed-without-deprecation", B, "api",
     "An operation was removed without being deprecated first.",
     "Every client that calls it breaks; deprecate it first, with a sunset date.",
     "api-removed-without-deprecation")
_add("api-removed-with-deprecation", N, "api", "A deprecated operation was removed.",
     "Its clients were warned.", "api-removed-with-deprecation")
_add("api-operation-moved", B, "api",
     "An operation kept its operationId but changed its method or path.",
     "Clients call the old method and path.")
_add("api-operation-id-changed", W, "api", "An operation's operationId changed.",
     "Generated clients rename the method that calls it; code that used the old name breaks "
     "at build time.")
_add("endpoint-deprecated", N, "api", "An operation was deprecated.",
     "Clients are told to move away from it.", "endpoint-deprecated")
_add("api-deprecated-sunset-missing", W, "api",
     "An operation was deprecated without a sunset date (`x-sunset`).",
     "Clients cannot plan the move; say when it goes (RFC 8594).",
     "api-deprecated-sunset-missing")
_add("endpoint-reactivated", N, "api", "A deprecated operation is no longer deprecated.",
     "Documentation only.", "endpoint-reactivated")
_add("api-tag-added", N, "api", "A tag was added to an operation.", "Documentation only.",
     "api-tag-added")
_add("api-tag-removed", N, "api", "A tag was removed from an operation.",
     "Generated clients may group it elsewhere.", "api-tag-removed")
_add("api-security-added", B, "auth",
     "An operation that was public now requires credentials.",
     "Clients that call it without a token are refused (oasdiff reports this as info; "
     "designgate counts a public endpoint's callers as clients).", "api-security-added")
_add("api-security-removed", W, "auth",
     "An operation no longer requires credentials: it became public.",
     "Access widened: anyone may call it now; it needs a security review.",
     "api-security-removed")
_add("api-security-changed", W, "auth", "An operation's security requirements changed.",
     "Clients may need other credentials or scopes.")
_add("new-required-request-parameter", B, "api", "A required parameter was added.",
     "Clients that do not send it are refused.", "new-required-request-parameter")
_add("new-optional-request-parameter", N, "api", "An optional parameter was added.",
     "Existing clients keep working.", "new-optional-request-parameter")
_add("new-request-path-parameter", B, "api", "A path parameter was added.",
     "The path clients call no longer exists.", "new-request-path-parameter")
_add("request-parameter-removed", W, "api", "A parameter was removed.",
     "Clients that still send it lose its effect (deprecate it first).",
     "request-parameter-removed")
_add("request-parameter-removed-with-deprecation", N, "api",
     "A deprecated parameter was removed.", "Its clients were warned.",
     "request-parameter-removed-with-deprecation")
_add("request-parameter-moved", B, "api",
     "A parameter moved to another location (query, header, path, cookie).",
     "Clients send it where the server no longer reads it.")
_add("request-parameter-became-required", B, "api", "A parameter became required.",
     "Clients that omit it are refused.", "request-parameter-became-required")
_add("request-parameter-became-optional", N, "api", "A parameter became optional.",
     "Existing clients keep working.", "request-parameter-became-optional")
_add("request-body-added-required", B, "api", "A required request body was added.",
     "Clients that send none are refused.", "request-body-added-required")
_add("request-body-added-optional", N, "api", "An optional request body was added.",
     "Existing clients keep working.", "request-body-added-optional")
_add("request-body-removed", B, "api", "The request body was removed.",
     "What clients send is ignored or refused.", "request-body-removed")
_add("request-body-became-required", B, "api", "The request body became required.",
     "Clients that send none are refused.", "request-body-became-required")
_add("request-body-became-optional", N, "api", "The request body became optional.",
     "Existing clients keep working.", "request-body-became-optional")
_add("request-body-media-type-added", N, "api", "A request media type was added.",
     "Existing clients keep working.", "request-body-media-type-added")
_add("request-body-media-type-removed", B, "api", "A request media type was removed.",
     "Clients that send it are refused (415).", "request-body-media-type-removed")
_add("response-success-status-added", N, "api", "A success status was added.",
     "Clients should handle it; most treat any 2xx alike.", "response-success-status-added")
_add("response-success-status-removed", B, "api", "A success status was removed.",
     "Clients that expect it see another one.", "response-success-status-removed")
_add("response-non-success-status-added", N, "api", "An error status was added.",
     "Clients meet an error they may not handle specifically.",
     "response-non-success-status-added")
_add("response-non-success-status-removed", N, "api", "An error status was removed.",
     "Clients' handling of it becomes dead code.", "response-non-success-status-removed")
_add("response-media-type-added", N, "api", "A response media type was added.",
     "Clients that negotiate keep their type.", "response-media-type-added")
_add("response-media-type-removed", B, "api", "A response media type was removed.",
     "Clients that ask for it get 406 or another type.", "response-media-type-removed")
_add("response-error-format-changed", B, "api",
     "An error response no longer uses RFC 9457 `application/problem+json` (or now does).",
     "Clients parse errors by their media type and fields.")
_add("response-header-added", N, "api", "A response header was added.",
     "Clients ignore what they do not read.", "response-header-added")
_add("required-response-header-removed", B, "api", "A required response header was removed.",
     "Clients that read it break.", "required-response-header-removed")
_add("optional-response-header-removed", W, "api", "An optional response header was removed.",
     "Clients that read it when present lose it.", "optional-response-header-removed")
_add("response-header-became-optional", B, "api", "A response header became optional.",
     "Clients that rely on it break.", "response-header-became-optional")

# --- pagination ---------------------------------------------------------------------------

_add("pagination-style-changed", B, "api",
     "A list endpoint's pagination style changed (cursor, offset, page).",
     "Clients page with the old parameters.")
_add("pagination-max-page-size-decreased", B, "api",
     "A list endpoint's maximum page size was lowered.",
     "Clients asking for larger pages are refused.")
_add("pagination-max-page-size-increased", N, "api",
     "A list endpoint's maximum page size was raised.", "Existing clients keep working.")
_add("pagination-default-page-size-changed", W, "api",
     "A list endpoint's default page size changed.",
     "Clients that do not ask for a size get another number of items.")
_add("pagination-envelope-changed", B, "api",
     "The list envelope changed (the items, cursor or total field).",
     "Clients read the page from the old fields.")
_add("pagination-added", B, "api", "An endpoint that returned the whole list is now paginated.",
     "Clients that read one response see only its first page.")
_add("pagination-removed", W, "api", "A list endpoint is no longer paginated.",
     "Clients keep sending page parameters that are ignored; responses may grow unbounded.")

# --- webhooks, events, third parties ------------------------------------------------------

_add("webhook-added", N, "integrations", "A webhook was added.", "Nothing existing breaks.",
     "webhook-added")
_add("webhook-removed", B, "integrations", "A webhook was removed.",
     "Receivers that rely on it stop getting it.", "webhook-removed")
_add("webhook-signing-changed", B, "integrations",
     "A webhook's signing (header, algorithm or secret) changed.",
     "Receivers verify signatures the old way and reject every delivery.")
_add("webhook-retries-changed", W, "integrations", "A webhook's retry policy changed.",
     "Receivers sized for the old policy see more, fewer or later deliveries.")
_add("webhook-timeout-changed", W, "integrations", "A webhook's delivery timeout changed.",
     "Receivers slower than the new timeout see retries.")
_add("event-added", N, "integrations", "An event was added.", "Nothing existing breaks.")
_add("event-removed", B, "integrations", "An event was removed.",
     "Its consumers stop getting it.")
_add("event-version-not-bumped", B, "integrations",
     "An event's payload changed in a breaking way and its version did not change.",
     "Consumers cannot tell old payloads from new ones; bump the event's version.")
_add("event-channel-changed", B, "integrations", "An event moved to another channel.",
     "Consumers listen on the old channel.")
_add("event-consumers-changed", N, "integrations", "An event's consumers changed.",
     "Check the new consumers read the payload as it is.")
_add("third-party-added", N, "integrations", "A third-party integration was added.",
     "Review its failure modes and credentials.")
_add("third-party-removed", W, "integrations", "A third-party integration was removed.",
     "What the design used it for needs another way.")
_add("third-party-changed", W, "integrations",
     "A third-party integration's operations, auth, retries or timeout changed.",
     "Check the calls against the provider's contract.")

# --- database ----------------------------------------------------------------------------

for _id, _lvl, _s, _w in [
    ("table-added", N, "A table was added.", "Nothing existing breaks."),
    ("table-removed", B, "A table was dropped.", "Its rows are gone; whatever reads it breaks."),
    ("table-renamed", B, "A table was renamed.", "Queries and code using the old name break."),
    ("column-added", N, "A column was added.", "Nothing existing breaks."),
    ("column-added-required", W, "A NOT NULL column without a default was added.",
     "The step fails on a table with rows, and inserts that omit it fail."),
    ("column-removed", B, "A column was dropped.", "Its data is gone; readers break."),
    ("column-renamed", B, "A column was renamed.", "Queries using the old name break."),
    ("column-type-narrowed", B, "A column's type was narrowed.",
     "Existing values may not fit; the migration fails or truncates."),
    ("column-type-widened", N, "A column's type was widened.", "Existing values fit."),
    ("column-type-changed", B, "A column's type changed to an unrelated type.",
     "Existing values need a conversion (USING); readers see another type."),
    ("column-became-not-null", B, "A column became NOT NULL.",
     "Rows holding NULL make the migration fail; inserts that omit it fail."),
    ("column-became-nullable", W, "A column became nullable.",
     "Readers (and the API's responses) meet NULL where they did not."),
    ("column-default-removed", W, "A column's default was removed.",
     "Inserts that relied on it fail or store NULL."),
    ("column-default-changed", N, "A column's default changed.",
     "New rows get another value."),
    ("column-became-unique", B, "A column became UNIQUE.",
     "Existing duplicates make the migration fail."),
    ("primary-key-changed", B, "A table's primary key changed.",
     "References and upserts use the old key."),
    ("unique-constraint-added", B, "A UNIQUE constraint was added.",
     "Existing duplicates make the migration fail."),
    ("check-constraint-added", B, "A CHECK constraint was added.",
     "Existing rows that violate it make the migration fail."),
    ("check-constraint-changed", W, "A CHECK constraint's expression changed.",
     "Existing rows may violate the new expression."),
    ("check-constraint-removed", N, "A CHECK constraint was removed.", "Rows are less constrained."),
    ("foreign-key-added", B, "A foreign key was added.",
     "Existing rows that reference nothing make the migration fail."),
    ("foreign-key-removed", W, "A foreign key was removed.",
     "The database no longer keeps the relationship consistent."),
    ("foreign-key-on-delete-changed", W, "A foreign key's ON DELETE action changed.",
     "Deleting a parent now does something else to its children."),
    ("index-added", N, "An index was added.", "Build it concurrently on a table with rows."),
    ("index-removed", N, "An index was dropped.", "Queries that used it scan instead."),
    ("index-removed-used-by-endpoint", B, "An index an endpoint's filter or sort needs was "
     "dropped.", "The endpoint's query scans the whole table at scale."),
    ("index-changed", W, "An index's columns, method, uniqueness or predicate changed.",
     "Queries planned for the old index may not use it."),
    ("table-user-data-changed", W, "A table's `user_data` flag changed.",
     "Row-level security and the data dictionary follow it."),
    ("schema-changed-without-migration", B, "The schema changed without a migration step for "
     "it.", "The database of an existing deployment never gets the change; add a step to the "
     "migration plan."),
]:
    _add(_id, _lvl, "database", _s, _w)

# --- auth ----------------------------------------------------------------------------------

for _id, _lvl, _s, _w in [
    ("role-added", N, "A role was added.", "Review what it holds."),
    ("role-removed", B, "A role was removed.", "Its users and clients lose all access."),
    ("role-permission-added", W, "A role gained a permission (directly or inherited).",
     "Access widened: it needs a security review."),
    ("role-permission-removed", B, "A role lost a permission (directly or inherited).",
     "That role's clients are refused what they did."),
    ("permission-added", N, "A permission was added.", "Nothing existing breaks."),
    ("permission-removed", W, "A permission was removed.",
     "Endpoints and roles that name it must change."),
    ("endpoint-permission-changed", W, "An endpoint's permission changed.",
     "The roles that may call it change: see which gained or lost it."),
    ("endpoint-access-widened", W, "More roles may call an endpoint.",
     "Access widened: it needs a security review."),
    ("endpoint-access-narrowed", B, "Fewer roles may call an endpoint.",
     "The clients of the roles that lost it are refused (403)."),
    ("endpoint-became-public", W, "An endpoint became public.",
     "Anyone may call it now: it needs a security review."),
    ("rls-policy-added", W, "A row-level-security policy was added.",
     "A permissive policy widens what its roles see; a restrictive one narrows it."),
    ("rls-policy-removed", W, "A row-level-security policy was removed.",
     "A permissive policy's rows vanish for its roles; a restrictive one's limit is gone."),
    ("rls-policy-tightened", B, "A row-level-security policy now admits fewer rows.",
     "Its roles no longer see or change rows they did."),
    ("rls-policy-loosened", W, "A row-level-security policy now admits more rows.",
     "Access widened: it needs a security review."),
    ("rls-policy-changed", W, "A row-level-security policy's expression changed in a way "
     "designgate cannot order.", "Review which rows each role reaches now."),
    ("rls-policy-command-changed", W, "A row-level-security policy applies to another command.",
     "Review the access of every command it covered and covers."),
    ("rls-policy-roles-changed", W, "A row-level-security policy applies to other roles.",
     "Roles added gain its rows; roles removed lose them."),
]:
    _add(_id, _lvl, "auth", _s, _w)

# --- upstream ------------------------------------------------------------------------------

for _id, _lvl, _s, _w in [
    ("requirement-added", N, "A requirement (FR-ID) was added.", "Endpoints must serve it."),
    ("requirement-removed", W, "A requirement was removed.",
     "What traced to it serves nothing now."),
    ("requirement-title-changed", W, "A requirement's title changed.",
     "What traces to it is suspect until re-audited."),
    ("requirement-description-changed", W, "A requirement's description changed.",
     "What traces to it is suspect until re-audited."),
    ("requirement-priority-changed", W, "A requirement's priority changed.",
     "The release scope and prioritization change; re-audit what traces to it."),
    ("requirement-mvp-changed", W, "A requirement's MVP tag changed.",
     "The MVP scope changes; re-audit what traces to it."),
    ("requirement-stories-changed", W, "A requirement's stories changed.",
     "What traces to it is suspect until re-audited."),
    ("flow-added", N, "A user flow was added.", "Endpoints must serve its steps."),
    ("flow-removed", W, "A user flow was removed.", "Re-audit what served it."),
    ("flow-changed", W, "A user flow changed.",
     "Every endpoint, table and policy that traces to it is suspect until re-audited."),
    ("screen-added", N, "A screen was added.", "Check the endpoints it needs exist."),
    ("screen-removed", N, "A screen was removed.", "Documentation only."),
    ("screen-changed", W, "A screen changed.",
     "Every endpoint, table and policy that traces to it is suspect until re-audited."),
]:
    _add(_id, _lvl, "upstream", _s, _w)

# --- version policy --------------------------------------------------------------------------

_add("api-major-version-not-bumped", B, "version",
     "The API contract has a breaking change and its major version did not increase.",
     "Bump the major version (project `version`, or the versioned base path), or avoid the "
     "breaking change.", "api-major-version-not-bumped")
_add("api-version-decreased", W, "version", "The project version decreased.",
     "Versions only grow.", "api-version-decreased")
_add("api-version-changed", N, "version", "The project version changed.",
     "Documentation only.")


def get(change_id: str) -> ChangeKind | None:
    return CATALOG.get(change_id)


__all__ = ["AREAS", "ASPECTS", "CATALOG", "PLACES", "ChangeKind", "Level", "get", "schema_id"]
