"""Integrations (I): webhooks, async events and third-party contracts are fully specified.

Phase 5 of the brief: "Define webhook payloads", "Define third-party API contracts (auth
provider, payments)", "Specify event payloads for async flows". In release mode ``mvp`` the
brief asks for "Core only": an integration traced only to requirements outside the MVP is
deferred and not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from designgate.findings import Severity
from designgate.model.design import Design, Event, ThirdParty, Webhook
from designgate.rules.registry import Hit, register

E, W = Severity.ERROR, Severity.WARNING


def _deferred(design: Design, fr_ids: list[str]) -> bool:
    """In mvp mode: traced only to known requirements, none of them in the MVP."""
    if not design.project.mvp or not fr_ids:
        return False
    reqs = [design.requirement(f) for f in fr_ids]
    return all(r is not None and not design.in_scope(r) for r in reqs)


def _messages(design: Design) -> Iterator[tuple[str, Webhook | Event]]:
    for w in design.webhooks:
        if not _deferred(design, w.fr_ids):
            yield f"webhook '{w.name}'", w
    for ev in design.events:
        if not _deferred(design, ev.fr_ids):
            yield f"event '{ev.name}' v{ev.version}", ev


def _third_parties(design: Design) -> Iterator[ThirdParty]:
    return (t for t in design.third_parties if not _deferred(design, t.fr_ids))


def _webhooks(design: Design) -> Iterator[Webhook]:
    return (w for w in design.webhooks if not _deferred(design, w.fr_ids))


def _at_payload(item: Webhook | Event, message: str) -> Hit:
    """At the `payload:` key when there is one, else at the item."""
    if item.payload is None:
        return Hit(item.loc.at("name"), message)
    return Hit(item.payload.loc, message, key=True)


@register("I001", "payload-without-schema", E, "A webhook or event has no payload schema.", scope=True)
def payload_without_schema(design: Design) -> Iterator[Hit]:
    """Every outgoing webhook and async event defines its payload as a JSON Schema.

    Phase 5 of the brief defines "webhook payloads" and "event payloads for async flows";
    consumers build against that contract, and without a schema each side guesses. Write
    `payload.schema` (a JSON Schema, or a `$ref` to a named schema). In release mode `mvp`
    integrations traced only to non-MVP requirements are deferred and not checked.

    ```yaml
    payload:
      schema: {$ref: "#/components/schemas/TaskEvent"}
    ```
    """
    for what, item in _messages(design):
        if item.payload is None or item.payload.schema is None:
            yield _at_payload(item, f"{what} has no payload schema; add `payload.schema` "
                              "(JSON Schema or a $ref to a named schema)")


@register("I002", "payload-without-example", E, "A webhook or event has no payload example.", scope=True)
def payload_without_example(design: Design) -> Iterator[Hit]:
    """Every outgoing webhook and async event has a payload example.

    An example shows consumers what actually arrives, and designgate validates it against
    the payload schema (rule family E). Add `payload.example`. In release mode `mvp`
    integrations traced only to non-MVP requirements are deferred and not checked.

    ```yaml
    payload:
      schema: {$ref: "#/components/schemas/TaskEvent"}
      example: {type: task.completed, task_id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69}
    ```
    """
    for what, item in _messages(design):
        if item.payload is None or not item.payload.has_example:
            yield _at_payload(item, f"{what} has no payload example; add `payload.example`")


@register("I003", "third-party-without-auth", E, "A third-party contract does not say how we authenticate.", scope=True)
def third_party_without_auth(design: Design) -> Iterator[Hit]:
    """Every third-party contract says how the backend authenticates to the provider.

    The brief's third-party contracts (auth provider, payments) are designed, not
    discovered during implementation: the credential type and where its secret lives
    decide deployment and secret rotation. Add `auth:` with its `type` (and where the
    secret is kept).

    ```yaml
    auth: {type: api-key, description: Bearer secret key, secret: STRIPE_SECRET_KEY}
    ```
    """
    for tp in _third_parties(design):
        if tp.auth is None:
            yield Hit(tp.loc.at("auth"), f"third-party contract '{tp.name}' does not say how "
                      "we authenticate to it; add `auth:` with its type and secret")


@register("I004", "third-party-without-failure-handling", E, "A third-party contract has no failure handling.", scope=True)
def third_party_without_failure_handling(design: Design) -> Iterator[Hit]:
    """Every third-party contract lists how its failures are handled.

    Every provider fails: it times out, rate-limits, rejects a request, or is down. Decide
    in the design what the API does in each case — surface an error, queue and retry,
    degrade — so implementers do not improvise. List them in `failure_modes:`.

    ```yaml
    failure_modes:
      - {failure: provider down (5xx), handling: queue the charge and answer 202}
      - {failure: card declined (402), handling: 422 problem+json with the decline code}
    ```
    """
    for tp in _third_parties(design):
        if not tp.failure_modes:
            yield Hit(tp.loc.at("failure_modes"), f"third-party contract '{tp.name}' has no "
                      "failure handling; list `failure_modes:` with the handling of each")


@register("I005", "third-party-without-retries", E, "A third-party contract has no retry policy.", scope=True)
def third_party_without_retries(design: Design) -> Iterator[Hit]:
    """Every third-party contract has a retry policy.

    Whether a failed call is retried, how often and with what backoff decides both the
    load on the provider and whether a request may be executed twice (so whether it needs
    an idempotency key). Write `retries:` — `max_attempts: 0` states "never retry".

    ```yaml
    retries: {max_attempts: 3, backoff: exponential, initial_delay: 200ms}
    ```
    """
    for tp in _third_parties(design):
        if tp.retries is None:
            yield Hit(tp.loc.at("retries"), f"third-party contract '{tp.name}' has no retry "
                      "policy; add `retries:` (max_attempts: 0 for never)")


@register("I006", "webhook-without-signing", W, "A webhook payload is not signed.", scope=True)
def webhook_without_signing(design: Design) -> Iterator[Hit]:
    """Outgoing webhooks are signed so receivers can verify they come from us.

    Webhook endpoints are public URLs; without a signature anyone can post forged events
    to them. Say how deliveries are signed: the algorithm and the header carrying the
    signature.

    A signature that proves nothing counts as none: `algorithm: none`, an unkeyed hash
    (`sha256`: anyone can compute it) or a broken one (MD5, SHA-1), or no header to carry it.

    ```yaml
    signing: {algorithm: hmac-sha256, header: X-Signature, secret: per subscription}
    ```
    """
    for w in _webhooks(design):
        if w.signing is None:
            yield Hit(w.loc.at("signing"), f"webhook '{w.name}' is not signed; add `signing:` "
                      "with the algorithm and header")
            continue
        algorithm = str(w.signing.get("algorithm") or "").strip().lower()
        why = _weak_signature(algorithm)
        if why is not None:
            where = w.loc.at("signing", "algorithm") if "algorithm" in w.signing else \
                w.loc.at("signing")
            yield Hit(where, f"webhook '{w.name}' is signed with {why}, which proves nothing "
                      "about the sender; use hmac-sha256 (or an asymmetric signature such "
                      "as ed25519)")
        if not str(w.signing.get("header") or "").strip():
            yield Hit(w.loc.at("signing"), f"webhook '{w.name}' says no `header:` carrying "
                      "the signature; receivers cannot find it")


_KEYED = ("hmac", "ed25519", "ecdsa", "rsa", "es256", "es384", "es512", "rs256", "rs384",
          "rs512", "ps256", "ps384", "ps512", "eddsa")


def _weak_signature(algorithm: str) -> str | None:
    """Why ``algorithm`` is no signature (None: it is one)."""
    if not algorithm:
        return "no `algorithm:`"
    if algorithm in ("none", "null", "false", "no", "off", "unsigned", "plain"):
        return f"`algorithm: {algorithm}`"
    if re.search(r"md5|sha-?1(?!\d)|crc", algorithm):
        return f"a broken hash ({algorithm})"
    if not any(k in algorithm for k in _KEYED):
        return f"an unkeyed or unknown algorithm ({algorithm})"
    return None


@register("I007", "webhook-without-retries", W, "A webhook has no delivery retry policy.", scope=True)
def webhook_without_retries(design: Design) -> Iterator[Hit]:
    """Outgoing webhooks say how failed deliveries are retried.

    Receivers are down now and then; without a retry policy events are lost, and receivers
    cannot know whether to expect duplicates. Write `retries:` (`max_attempts: 0` states
    "never retry").

    ```yaml
    retries: {max_attempts: 5, backoff: exponential, initial_delay: 1s, max_delay: 1h}
    ```
    """
    for w in _webhooks(design):
        if w.retries is None:
            yield Hit(w.loc.at("retries"), f"webhook '{w.name}' has no delivery retry policy; "
                      "add `retries:`")


@register("I008", "third-party-without-timeout", W, "A third-party contract has no timeout.", scope=True)
def third_party_without_timeout(design: Design) -> Iterator[Hit]:
    """Every third-party call has a timeout.

    A provider that hangs holds the API's request (and its database connection) with it;
    the timeout bounds that and feeds the failure handling. Write `timeout:`.

    ```yaml
    timeout: 5s
    ```
    """
    for tp in _third_parties(design):
        if tp.timeout is None:
            yield Hit(tp.loc.at("timeout"), f"third-party contract '{tp.name}' has no timeout; "
                      "add `timeout:` (e.g. 5s)")
