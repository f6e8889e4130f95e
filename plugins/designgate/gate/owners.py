"""CODEOWNERS, read as GitHub reads it: the last matching pattern names a file's owners.

Patterns follow gitignore's rules (pathspec, the library pip and black use for them); a
pattern with no owners leaves the files it matches without owners. Owners are ``@user``,
``@org/team`` or e-mail addresses; teams are expanded to their members where the token may
read them (the workflow's token may not: name users then, or ``gate.orchestrator_logins``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pathspec


@dataclass(frozen=True, slots=True)
class Rule:
    line: int
    pattern: str
    owners: tuple[str, ...]
    spec: pathspec.PathSpec = field(compare=False, repr=False)


def parse(text: str) -> tuple[list[Rule], list[str]]:
    """The rules of a CODEOWNERS file, and a problem per line that cannot be read."""
    rules: list[Rule] = []
    problems: list[str] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        pattern, *owners = line.split()
        if pattern.startswith("!") or "[" in pattern:
            problems.append(f"line {n}: '{pattern}' uses syntax CODEOWNERS does not support")
            continue
        try:
            spec = pathspec.PathSpec.from_lines("gitignore", [pattern])
        except (ValueError, TypeError) as exc:
            problems.append(f"line {n}: '{pattern}' is not a valid pattern ({exc})")
            continue
        rules.append(Rule(n, pattern, tuple(owners), spec))
    return rules, problems


def owners_of(rules: list[Rule], path: str) -> tuple[str, ...]:
    """The owners the last matching rule names for ``path`` (relative to the root)."""
    for rule in reversed(rules):
        if rule.spec.match_file(path):
            return rule.owners
    return ()


def expand(owners: tuple[str, ...],
           team_members: Callable[[str, str], list[str] | None] | None) -> tuple[tuple[str, ...],
                                                                               list[str]]:
    """Logins (lower case, no ``@``) for ``owners``; what could not be expanded, in words.

    An owner that cannot be resolved stays in the set under its own name (it never equals a
    login, so it cannot be satisfied by accident)."""
    logins: list[str] = []
    notes: list[str] = []
    for o in owners:
        if o.startswith("@") and "/" in o:
            org, _, slug = o[1:].partition("/")
            members = team_members(org, slug) if team_members is not None else None
            if members is None:
                notes.append(f"the members of team {o} cannot be read with this token; only "
                             "its listed users can satisfy the code owner rule")
                logins.append(o.lower())
            else:
                logins += [m.lower() for m in members]
        elif o.startswith("@"):
            logins.append(o[1:].lower())
        else:
            notes.append(f"code owner '{o}' is an e-mail address; reviews name logins, so "
                         "it cannot be matched")
            logins.append(o.lower())
    return tuple(dict.fromkeys(logins)), notes
