"""Schema (S): the database schema against the data dictionary, its indexes and migrations.

Seed non-negotiable: "Schema design must align with the data dictionary — no ad-hoc columns".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from designgate.findings import Severity, did_you_mean
from designgate.generate.sql import check_columns
from designgate.model import sqltypes
from designgate.model.design import Attribute, Column, Design, Endpoint, Table
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register

E, W = Severity.ERROR, Severity.WARNING


# --- helpers -----------------------------------------------------------------------------


def _dictionary_applies(design: Design) -> bool:
    """Alignment is checked unless discovery marked the dictionary N/A (or there is none:
    the Handoff No-Go rules report a missing dictionary)."""
    return bool(design.entities) or (
        design.has_dictionary and design.dictionary_not_applicable is None
    )


def _target(design: Design, table: Table, col: Column) -> tuple[str | None, str] | None:
    """(entity, attribute) a column claims to store; None for a technical column."""
    if col.attribute is not None:
        if "." in col.attribute:
            ent, attr = col.attribute.split(".", 1)
            return ent, attr
        return table.entity, col.attribute
    if col.technical is not None:
        return None
    return table.entity, col.name


def _stored(design: Design) -> Iterator[tuple[Table, Column, Attribute]]:
    """Every column that stores a dictionary attribute, with that attribute."""
    for t in design.tables.values():
        for c in t.columns:
            target = _target(design, t, c)
            if target is not None:
                attr = design.attribute(*target)
                if attr is not None:
                    yield t, c, attr


def _columns(design: Design) -> Iterator[tuple[Table, Column]]:
    for t in design.tables.values():
        for c in t.columns:
            yield t, c


# --- dictionary alignment ----------------------------------------------------------------


@register("S001", "table-without-entity", E, "A table maps to no data-dictionary entity.")
def table_without_entity(design: Design) -> Iterator[Hit]:
    """Every table stores a data-dictionary entity, named with `entity:`.

    The brief is explicit: "Schema design must align with the data dictionary — no ad-hoc
    columns", and Phase 3 starts with "Map data dictionary entities to tables". A table
    without an entity, or naming one the dictionary does not define, is an ad-hoc table.
    Fix the name (the message suggests the closest entity) or add the entity to the
    dictionary. The join table of a many-to-many relationship needs no entity when the
    relationship names it with `through:` (see S021); another purely technical table (a job
    queue) may waive the rule with its reason:

    ```yaml
    - name: jobs
      waivers: [{rule: S001, reason: the worker's job queue; it holds no business data}]
    ```
    """
    if not _dictionary_applies(design):
        return
    for t in design.tables.values():
        if t.entity is None:
            if design.joined_by(t.name):
                continue
            yield Hit(t.loc.at("name"), f"table '{t.name}' names no dictionary entity; add "
                      "`entity:` (or name it as the `through:` table of a many-to-many "
                      "relationship if it joins two entities)")
        elif t.entity not in design.entities:
            yield Hit(t.loc.at("entity"), f"table '{t.name}' maps to unknown entity "
                      f"'{t.entity}'{did_you_mean(t.entity, design.entities)}")


@register("S002", "orphan-column", E, "A column stores no dictionary attribute and is not technical.")
def orphan_column(design: Design) -> Iterator[Hit]:
    """Every column stores a dictionary attribute or says why it is technical.

    A column maps to an attribute explicitly (`attribute: title` on the table's entity, or
    `attribute: Entity.attr`) or implicitly by its name on the table's entity. Columns with
    no attribute declare `technical:` — `key`, `foreign-key`, `timestamp`, `audit`, `tenant`,
    `version`, `ordering` or `search`. A foreign-key column is NOT technical by itself:
    either it stores a dictionary attribute (e.g. `Note.author_id`) or it is declared
    `technical: foreign-key`. Anything else is the "ad-hoc column" the brief forbids.

    ```yaml
    - {name: project_id, type: uuid, technical: foreign-key,
       references: {table: projects, column: id}}
    ```
    """
    if not _dictionary_applies(design):
        return
    for t, c in _columns(design):
        if c.attribute is not None:
            ent, attr = c.attribute.split(".", 1) if "." in c.attribute else ("", c.attribute)
            entity_name = ent or t.entity
            if entity_name is None:
                yield Hit(c.loc.at("attribute"), f"column '{t.name}.{c.name}' maps to "
                          f"attribute '{attr}' but table '{t.name}' has no entity; write it "
                          "as Entity.attribute")
                continue
            entity = design.entities.get(entity_name)
            if entity is None:
                if ent:  # an unknown table entity is reported once by S001
                    yield Hit(c.loc.at("attribute"), f"column '{t.name}.{c.name}' maps to "
                              f"unknown entity '{ent}'{did_you_mean(ent, design.entities)}")
            elif attr not in entity.attributes:
                yield Hit(c.loc.at("attribute"), f"column '{t.name}.{c.name}' maps to "
                          f"'{entity_name}.{attr}', which the dictionary does not define"
                          f"{did_you_mean(attr, entity.attributes)}")
            continue
        if c.technical is not None:
            continue
        if t.entity is None:
            entity = None
        else:
            entity = design.entities.get(t.entity)
            if entity is None:
                continue  # S001 reports the unknown entity; every column would follow
        if entity is not None and c.name in entity.attributes:
            continue
        hint = (" (a foreign key is not technical by itself: declare `technical: foreign-key`"
                " or map it with `attribute:`)" if c.references else
                "; map it with `attribute:` or declare `technical:`")
        where = f"entity '{entity.name}' has no attribute '{c.name}'" if entity else (
            f"table '{t.name}' has no entity")
        dym = did_you_mean(c.name, entity.attributes) if entity else ""
        yield Hit(c.loc.at("name"), f"orphan column '{t.name}.{c.name}': {where}{hint}{dym}")


@register("S003", "attribute-not-stored", W, "A dictionary attribute is stored in no column.")
def attribute_not_stored(design: Design) -> Iterator[Hit]:
    """Every attribute of an entity that has a table is stored in some column.

    The data dictionary is the contract the schema implements; an attribute stored nowhere
    is a requirement the backend silently drops (or a stale dictionary entry). Add the
    column, map an existing column to it with `attribute:`, or settle the dictionary with
    product design. Entities with no table at all are reported once by S017 instead.

    ```yaml
    - {name: due_on, type: date, attribute: due_date}
    ```
    """
    if not _dictionary_applies(design):
        return
    stored = {(a.entity, a.name) for _, _, a in _stored(design)}
    housed = {t.entity for t in design.tables.values()} | {e for e, _ in stored}
    for ent in design.entities.values():
        if ent.name not in housed:
            continue
        for attr in ent.attributes.values():
            if (ent.name, attr.name) not in stored:
                yield Hit(attr.loc.at("name"), f"attribute '{ent.name}.{attr.name}' is stored "
                          "in no column; add a column for it or map one with `attribute:`")


@register("S017", "entity-not-stored", W, "A dictionary entity has no table.")
def entity_not_stored(design: Design) -> Iterator[Hit]:
    """Every dictionary entity is stored: a table names it with `entity:`.

    Phase 3 of the brief maps data-dictionary entities to tables. An entity without a table
    (and without any column storing one of its attributes) is missing from the schema. Add
    its table, or remove it from the dictionary if product design agrees it is not data the
    backend keeps. Reported once per entity; its attributes are not reported again by S003.

    ```yaml
    - name: labels
      entity: Label
    ```
    """
    if not _dictionary_applies(design):
        return
    housed = {t.entity for t in design.tables.values()}
    housed |= {a.entity for _, _, a in _stored(design)}
    for ent in design.entities.values():
        if ent.name not in housed:
            yield Hit(ent.loc.at("name"), f"entity '{ent.name}' has no table; add a table "
                      f"with `entity: {ent.name}`")


@register("S021", "relationship-unknown", E,
          "A relationship names an unknown entity or join table.")
def relationship_unknown(design: Design) -> Iterator[Hit]:
    """A relationship of the data dictionary names a defined entity, and its `through:` (only
    on a many-to-many relationship) a table of the schema.

    A misspelt entity makes the relationship point at nothing: the ER model and S022, which
    looks for the foreign key that stores it, both lose it. The message suggests the closest
    name.

    ```yaml
    relationships:
      - {entity: Label, kind: many-to-many, through: task_labels}
    ```
    """
    if not _dictionary_applies(design):
        return
    for ent in design.entities.values():
        for rel in ent.relationships:
            if rel.entity and rel.entity not in design.entities:
                yield Hit(rel.loc.at("entity"), f"entity '{ent.name}' has a relationship to "
                          f"unknown entity '{rel.entity}'{did_you_mean(rel.entity, design.entities)}")
            if rel.through is None:
                continue
            if rel.kind != "many-to-many":
                yield Hit(rel.loc.at("through"), f"`through:` names a join table, which only "
                          f"a many-to-many relationship has (this one is {rel.kind}); remove "
                          "it or correct the kind")
            elif rel.through not in design.tables and design.tables:
                yield Hit(rel.loc.at("through"), f"join table '{rel.through}' of "
                          f"{ent.name} and {rel.entity} is not a table of the schema"
                          f"{did_you_mean(rel.through, design.tables)}")


@register("S022", "relationship-not-stored", W,
          "A dictionary relationship has no foreign key in the schema.")
def relationship_not_stored(design: Design) -> Iterator[Hit]:
    """Every relationship of the data dictionary is stored by a foreign key.

    The dictionary says how entities relate; the schema must keep it, or the relationship
    exists only on paper. Seen from the entity that declares it (E) towards the related one
    (R), with the tables that store each (`entity:`):

    - `many-to-one`: E's table has a foreign key to R's table;
    - `one-to-many`: R's table has a foreign key to E's table;
    - `one-to-one`: either has one to the other;
    - `many-to-many`: one table (the `through:` table, if named) has foreign keys to both.

    Entities without a table are S017's. Add the foreign key (`references:` on the column),
    or correct the relationship.

    ```yaml
    - name: project_id
      type: uuid
      technical: foreign-key
      references: {table: projects, column: id}
    ```
    """
    if not _dictionary_applies(design) or not design.tables:
        return
    stores: dict[str, set[str]] = {}
    for t in design.tables.values():
        if t.entity:
            stores.setdefault(t.entity, set()).add(t.name)
    targets: dict[str, set[str]] = {}  # table -> the tables its foreign keys reference
    for t in design.tables.values():
        for fk in t.fks:
            targets.setdefault(t.name, set()).add(fk.table)

    def linked(a: set[str], b: set[str]) -> bool:
        return any(targets.get(x, set()) & b for x in a)

    for ent in design.entities.values():
        for rel in ent.relationships:
            mine, theirs = stores.get(ent.name), stores.get(rel.entity)
            if not mine or not theirs:
                continue
            if rel.kind == "many-to-one":
                ok = linked(mine, theirs)
                why = f"no foreign key from {_names(mine)} to {_names(theirs)}"
            elif rel.kind == "one-to-many":
                ok = linked(theirs, mine)
                why = f"no foreign key from {_names(theirs)} to {_names(mine)}"
            elif rel.kind == "one-to-one":
                ok = linked(mine, theirs) or linked(theirs, mine)
                why = f"no foreign key between {_names(mine)} and {_names(theirs)}"
            elif rel.kind == "many-to-many":
                if rel.through and rel.through not in design.tables:
                    continue  # S021
                joins = [rel.through] if rel.through else list(design.tables)
                ok = any(targets.get(j, set()) & mine and targets.get(j, set()) & theirs
                         for j in joins)
                both = f"foreign keys to both {_names(mine)} and {_names(theirs)}"
                why = f"'{rel.through}' has no {both}" if rel.through else f"no table has {both}"
            else:
                continue
            if not ok:
                yield Hit(rel.loc.at("kind"), f"the {rel.kind} relationship of {ent.name} and "
                          f"{rel.entity} is not stored: {why}; add the foreign key "
                          "(`references:` on a column) or correct the relationship")


def _names(tables: set[str]) -> str:
    return " or ".join(f"'{t}'" for t in sorted(tables))


@register("S004", "type-mismatch", E, "A column type does not fit its dictionary attribute type.")
def type_mismatch(design: Design) -> Iterator[Hit]:
    """A column's PostgreSQL type stores its dictionary attribute's type.

    | attribute | column types |
    |---|---|
    | string, email | text, varchar(n), citext |
    | text | text, varchar, citext |
    | url | text, varchar(n) |
    | integer | integer, bigint, smallint, serial, bigserial |
    | decimal | numeric(p, s), real, double precision |
    | boolean / date / uuid | boolean / date / uuid |
    | datetime | timestamptz (timestamp without time zone is accepted) |
    | enum | text, varchar, or a user-defined enum type |
    | json | jsonb, json, or an array type |

    A `varchar(n)` shorter than the attribute's `max_length` truncates valid data, and an
    array column stores a list where the dictionary has one value. Types are read
    case-insensitively (`VARCHAR (200)`, `timestamp(3) with time zone`).

    ```yaml
    - {name: title, type: varchar(200)}   # Note.title: string, max_length 200
    ```
    """
    for t, c, attr in _stored(design):
        why = sqltypes.misfit(attr.type, attr.max_length, c.type)
        if why:
            yield Hit(c.loc.at("type"), f"column '{t.name}.{c.name}' stores "
                      f"'{attr.entity}.{attr.name}' ({attr.type}): {why}")


@register("S013", "nullability-mismatch", W, "A required attribute is stored in a nullable column.")
def nullability_mismatch(design: Design) -> Iterator[Hit]:
    """A `required: true` dictionary attribute is stored in a `NOT NULL` column.

    Columns are nullable unless they say `nullable: false` or are the primary key. A
    nullable column lets rows without the required value in, so the database no longer
    enforces the dictionary. Add `nullable: false` (with a default when existing rows need
    one), or make the attribute optional in the dictionary.

    ```yaml
    - {name: title, type: varchar(200), nullable: false}
    ```
    """
    for t, c, attr in _stored(design):
        if attr.required and c.nullable:
            yield Hit(c.loc.at("nullable"), f"column '{t.name}.{c.name}' is nullable but "
                      f"'{attr.entity}.{attr.name}' is required; add `nullable: false`")


# --- keys, references, indexes ------------------------------------------------------------


def is_key(table: Table, columns: list[str]) -> bool:
    """Whether ``columns`` together are the primary key or unique (a foreign key may
    reference them: PostgreSQL matches them as a set, in any order)."""
    want = set(columns)
    keys = [set(table.key_columns), *[set(u) for u in table.unique],
            *[set(ix.columns) for ix in table.indexes if ix.unique and ix.where is None],
            *[{c.name} for c in table.columns if c.unique]]
    return want in keys


@register("S005", "unknown-reference", E, "A foreign key references an unknown table or column.")
def unknown_reference(design: Design) -> Iterator[Hit]:
    """A column's `references:` names a table of the design and a key column of it.

    `references: {table: users}` references `users.id` unless `column:` says otherwise.
    PostgreSQL only accepts a foreign key to a column that is the primary key or unique on
    its own, so a reference to any other column is reported too. Fix the name (the message
    suggests the closest) or add the table or the unique constraint.

    ```yaml
    references: {table: users, column: id, on_delete: cascade}
    ```
    """
    for t, c in _columns(design):
        fk = c.references
        if fk is None:
            continue
        target = design.tables.get(fk.table)
        if target is None:
            yield Hit(fk.loc.at("table"), f"column '{t.name}.{c.name}' references unknown "
                      f"table '{fk.table}'{did_you_mean(fk.table, design.tables)}")
        elif target.column(fk.column) is None:
            yield Hit(fk.loc.at("column"), f"column '{t.name}.{c.name}' references unknown "
                      f"column '{fk.table}.{fk.column}'"
                      f"{did_you_mean(fk.column, [x.name for x in target.columns])}")
        elif not is_key(target, [fk.column]):
            yield Hit(fk.loc.at("column"), f"column '{t.name}.{c.name}' references "
                      f"'{fk.table}.{fk.column}', which is neither the primary key nor unique; "
                      "reference a key column")


def _leads(table: Table, column: str) -> bool:
    """Whether an index usable for equality lookups starts with ``column``."""
    if table.key_columns[:1] == [column]:
        return True
    if any(u[:1] == [column] for u in table.unique):
        return True
    col = table.column(column)
    if col is not None and col.unique:
        return True
    return any(
        ix.columns[:1] == [column] and ix.where is None and ix.method in ("btree", "hash")
        for ix in table.indexes
    )


@register("S006", "unindexed-foreign-key", E, "A foreign-key column has no index.")
def unindexed_foreign_key(design: Design) -> Iterator[Hit]:
    """Every foreign-key column leads some index.

    PostgreSQL indexes the referenced key but not the referencing column. Without an index,
    every delete or key update on the parent scans the whole child table (to cascade or to
    check), and joins from parent to children do the same. An index, unique constraint or
    primary key whose FIRST column is the foreign key serves it; a partial index (`where:`)
    or a gin/gist/brin index does not.

    ```yaml
    indexes:
      - {name: tasks_project_idx, columns: [project_id, created_at],
         serves: listTasks — a project's tasks, newest first}
    ```
    """
    tenancy = design.tenancy
    tenant = tenancy.column if tenancy else None
    for t, c in _columns(design):
        if c.references is not None and not _leads(t, c.name):
            yield Hit(c.loc.at("name"), f"foreign key '{t.name}.{c.name}' has no index that "
                      f"starts with it; add one (e.g. columns: [{c.name}])")
    for t in design.tables.values():
        for fk in t.foreign_keys:
            if fk.columns and not _covers(t, fk.columns, tenant):
                own = [c for c in fk.columns if c != tenant] or fk.columns
                yield Hit(fk.loc.at("columns"), f"foreign key ({', '.join(fk.columns)}) of "
                          f"'{t.name}' has no index that starts with its columns; add one "
                          f"(e.g. columns: [{', '.join(own)}])")


def _covers(table: Table, columns: list[str], tenant: str | None) -> bool:
    """Whether an index serves lookups by a composite foreign key: its first columns are
    the key's columns, or it starts with one of them that is not the tenant column (the
    tenant adds nothing to a lookup by a row's own id)."""
    lists = [table.key_columns, *table.unique,
             *[ix.columns for ix in table.indexes
               if ix.where is None and ix.method in ("btree", "hash")]]
    return any(
        cols and (set(cols[:len(columns)]) == set(columns) or
                  (cols[0] in columns and cols[0] != tenant))
        for cols in lists)


@register("S007", "no-primary-key", E, "A table has no primary key.")
def no_primary_key(design: Design) -> Iterator[Hit]:
    """Every table has a primary key.

    Without one, rows cannot be addressed (no item endpoint, no foreign key to the table),
    duplicates creep in, and logical replication refuses updates. Mark a column
    `primary_key: true`, or list the columns of a composite key (a join table's two foreign
    keys, typically).

    ```yaml
    - name: task_labels
      primary_key: [task_id, label_id]
    ```
    """
    for t in design.tables.values():
        if not t.key_columns:
            yield Hit(t.loc.at("name"), f"table '{t.name}' has no primary key; mark a column "
                      "`primary_key: true` or list the key columns in `primary_key:`")


@register("S016", "unknown-key-column", E,
          "An index, primary key, unique constraint or table check names an unknown column.")
def unknown_key_column(design: Design) -> Iterator[Hit]:
    """Indexes, `primary_key:` and `unique:` lists, and the expressions of `checks:`, name
    columns of their own table.

    A misspelt column would make the generated DDL fail (or, worse, the design claim an
    index the database cannot build). Fix the name; the message suggests the closest
    column of the table.

    ```yaml
    indexes:
      - {name: notes_author_idx, columns: [author_id], serves: a user's notes}
    ```
    """
    for t in design.tables.values():
        names = [c.name for c in t.columns]
        lists: list[tuple[str, Loc]] = [("primary key", t.loc.at("primary_key"))]
        uniques = t.loc.at("unique").raw
        if isinstance(uniques, list):
            lists += [("unique constraint", t.loc.at("unique", i)) for i in range(len(uniques))]
        lists += [(f"index '{ix.name}'", ix.loc.at("columns")) for ix in t.indexes]
        for what, loc in lists:
            for item, name in loc.strings():
                if name not in names:
                    yield Hit(item, f"{what} of table '{t.name}' names unknown column "
                              f"'{name}'{did_you_mean(name, names)}")
        for check in t.checks:
            for name in check_columns(t, check.expression):
                if name not in names:
                    yield Hit(check.loc.at("expression"), f"check '{check.name}' of table "
                              f"'{t.name}' names unknown column '{name}'{did_you_mean(name, names)}")


@register("S018", "duplicate-index", W, "Two indexes of a table index the same thing.")
def duplicate_index(design: Design) -> Iterator[Hit]:
    """No index repeats another index, the primary key or a unique constraint of its table.

    Two indexes with the same columns in the same order, the same method and the same
    `where:` serve exactly the same queries; the second only slows every write and takes
    space. The primary key and unique constraints create such an index too. Remove the
    duplicate, or merge the `serves:` descriptions into the one that stays.
    """
    for t in design.tables.values():
        seen: dict[tuple[Any, ...], str] = {}
        if t.key_columns:
            seen[(tuple(t.key_columns), "btree", None)] = "the primary key"
        for u in t.unique:
            seen.setdefault((tuple(u), "btree", None), f"the unique constraint ({', '.join(u)})")
        for ix in t.indexes:
            where = " ".join(ix.where.lower().split()) if ix.where else None
            key = (tuple(ix.columns), ix.method, where)
            if key in seen:
                yield Hit(ix.loc.at("name"), f"index '{ix.name}' duplicates {seen[key]} of "
                          f"table '{t.name}'; remove it")
            else:
                seen[key] = f"index '{ix.name}'"


# --- endpoint filters and sorts --------------------------------------------------------------


def _reads(ep: Endpoint) -> Iterator[tuple[str, str, str | None, Loc]]:
    """(kind, name, column, loc) for every filter, sort and query parameter of ``ep``."""
    for p in ep.filters:
        yield "filter", p.name, p.column, p.loc
    for s in ep.sorts:
        yield "sort", s.field, s.column, s.loc
    for p in ep.query:
        yield "query parameter", p.name, p.column, p.loc


def _resolve(design: Design, ep: Endpoint, column: str) -> tuple[Table, str] | str:
    """The table and column a filter reads, or why it cannot be resolved."""
    if "." in column:
        tname, cname = column.rsplit(".", 1)
    elif len(ep.tables) == 1:
        tname, cname = ep.tables[0], column
    else:
        return (f"column '{column}' has no table and endpoint '{ep.id}' lists "
                f"{len(ep.tables) or 'no'} tables; write it as table.column")
    table = design.tables.get(tname)
    if table is None:
        return f"column '{column}' names unknown table '{tname}'{did_you_mean(tname, design.tables)}"
    if table.column(cname) is None:
        names = [c.name for c in table.columns]
        return (f"column '{column}': table '{tname}' has no column '{cname}'"
                f"{did_you_mean(cname, names)}")
    return table, cname


def _served(table: Table, column: str, filtered: set[str]) -> bool:
    """Whether an index (or the key, or a unique constraint) can serve ``column``.

    The index's first column is taken as the owner or tenant every query of the list
    filters on; the column must come right after it, or after columns the endpoint
    itself filters on (the leftmost-prefix rule of a btree).
    """
    col = table.column(column)
    if col is not None and col.unique:
        return True
    for cols in (table.key_columns, *table.unique, *(ix.columns for ix in table.indexes)):
        if column in cols:
            k = cols.index(column)
            if all(c in filtered for c in cols[1:k]):
                return True
    return False


def _filtered(design: Design, ep: Endpoint, table: Table) -> set[str]:
    """Columns of ``table`` the endpoint filters on (filters, query and path parameters)."""
    params = [*ep.filters, *ep.query, *ep.path_params.values()]
    out = set()
    for p in params:
        if p.column is not None:
            resolved = _resolve(design, ep, p.column)
            if not isinstance(resolved, str) and resolved[0] is table:
                out.add(resolved[1])
    return out


@register("S008", "unindexed-filter", E, "A filter or sort an endpoint offers has no index serving it.")
def unindexed_filter(design: Design) -> Iterator[Hit]:
    """Every filter and sort an endpoint offers is served by an index.

    Phase 3: "Design indexes for query patterns". A filter or sort over a column no index
    covers turns into a full scan as the table grows. The rule counts a column as served
    when it is among the first two columns of an index, the primary key or a unique
    constraint of its table (the first column is typically the owner or tenant every query
    of the list already filters on), or further right when every column between the first
    and it is filtered by the same endpoint (`[project_id, status, position]` serves a sort
    by position of a list filtered by status). Add the index, with `serves:` naming the
    query.

    ```yaml
    indexes:
      - name: notes_author_tag_idx
        columns: [author_id, tag]
        serves: listNotes?tag= — a user's notes with one tag
    ```
    """
    for ep in design.endpoints:
        for kind, name, column, loc in _reads(ep):
            if column is None:
                continue
            resolved = _resolve(design, ep, column)
            if isinstance(resolved, str):
                continue
            table, cname = resolved
            if not _served(table, cname, _filtered(design, ep, table)):
                yield Hit(loc.at("column"), f"{kind} '{name}' of endpoint '{ep.id}' reads "
                          f"'{table.name}.{cname}', which no index serves; add an index "
                          f"with '{cname}' among its first two columns")


@register("S009", "unknown-filter-column", E, "A filter or sort reads an unknown table or column.")
def unknown_filter_column(design: Design) -> Iterator[Hit]:
    """The `column:` of a filter, sort or query parameter names a real column.

    Write it as `table.column`; a bare `column` is read on the endpoint's table when its
    `tables:` lists exactly one. The column is what the index check (S008) and the
    implementers rely on, so an unknown one is an error. The message suggests the
    closest name.

    ```yaml
    filters:
      - {name: tag, column: notes.tag, schema: {type: string}}
    ```
    """
    for ep in design.endpoints:
        for kind, name, column, loc in _reads(ep):
            if column is None:
                continue
            resolved = _resolve(design, ep, column)
            if isinstance(resolved, str):
                yield Hit(loc.at("column"), f"{kind} '{name}' of endpoint '{ep.id}': {resolved}")


@register("S010", "filter-without-column", W, "A filter or sort does not say which column it reads.")
def filter_without_column(design: Design) -> Iterator[Hit]:
    """Every filter and sort says which column it reads (`column: table.column`).

    Without it nobody can check that an index serves the query (S008), and implementers
    have to guess what the parameter means in the database. Add `column:`.

    ```yaml
    sorts:
      - {field: created_at, column: notes.created_at}
    ```
    """
    for ep in design.endpoints:
        for p in ep.filters:
            if p.column is None:
                yield Hit(p.loc.at("name"), f"filter '{p.name}' of endpoint '{ep.id}' does not "
                          "say which column it reads; add `column: table.column` so the "
                          "index can be checked")
        for s in ep.sorts:
            if s.column is None:
                yield Hit(s.loc.at("field"), f"sort '{s.field}' of endpoint '{ep.id}' does not "
                          "say which column it reads; add `column: table.column` so the "
                          "index can be checked")


# --- migration plan -------------------------------------------------------------------------


def _created_tables(design: Design) -> dict[str, tuple[int, str]]:
    """Table → (position, migration id) of the first step that creates it."""
    out: dict[str, tuple[int, str]] = {}
    pos = 0
    for mg in design.migrations:
        for st in mg.steps:
            pos += 1
            if st.op == "create_table" and isinstance(st.arg, str):
                out.setdefault(st.arg, (pos, mg.id))
    return out


def _index_table(design: Design) -> dict[str, str]:
    return {ix.name: t.name for t in design.tables.values() for ix in t.indexes}


@register("S011", "table-not-migrated", E, "No migration creates a table of the schema.")
def table_not_migrated(design: Design) -> Iterator[Hit]:
    """Every table is created by a `create_table` step of the migration plan.

    The brief's schema output is "tables, columns, indexes, migration plan", and Phase 6
    documents "order of migrations, rollback strategy". A table no migration creates never
    reaches the database. Add a migration (or a step to an unreleased one).

    ```yaml
    - id: "0003_labels"
      steps: [{create_table: labels}]
      rollback: Drop the labels table; nothing references it yet.
    ```
    """
    created = _created_tables(design)
    for t in design.tables.values():
        if t.name not in created:
            yield Hit(t.loc.at("name"), f"no migration creates table '{t.name}'; add a "
                      f"`create_table: {t.name}` step")


@register("S012", "migration-order", E, "A migration runs before what it depends on.")
def migration_order(design: Design) -> Iterator[Hit]:
    """Migrations create every table after the tables it references.

    Migrations run in the order written (files in name order, then list order). A table
    whose foreign key references a table not created by an earlier step fails to create;
    so does a column added with such a reference, and an index or `enable_rls` step that
    runs before its table is created. Move the referenced table's migration first (a table
    referencing itself is fine).

    ```yaml
    - {id: "0001_users", steps: [{create_table: users}], rollback: ...}
    - {id: "0002_notes", steps: [{create_table: notes}], rollback: ...}  # notes → users
    ```
    """
    created_at = _created_tables(design)
    index_table = _index_table(design)
    created: set[str] = set()
    pos = 0
    for mg in design.migrations:
        for st in mg.steps:
            pos += 1
            loc = st.loc.at(st.op)
            refs: list[tuple[str, Column]] = []
            if st.op == "create_table" and isinstance(st.arg, str):
                table = design.tables.get(st.arg)
                if table is not None:
                    refs = [(table.name, c) for c in table.columns]
                    refs += [(table.name, replace(c, references=fk)) for fk in table.foreign_keys
                             if (c := table.column(fk.columns[-1])) is not None]
            elif st.op == "add_column" and isinstance(st.arg, dict):
                table = design.tables.get(str(st.arg.get("table")))
                col = table.column(str(st.arg.get("column"))) if table else None
                if table is not None and col is not None:
                    refs = [(table.name, col)]
                    if table.name not in created and table.name in created_at:
                        yield _later(loc, mg.id, f"adds column '{table.name}.{col.name}'",
                                     table.name, created_at[table.name][1])
            elif st.op in ("create_index", "enable_rls") and isinstance(st.arg, str):
                tname = index_table.get(st.arg) if st.op == "create_index" else st.arg
                if tname and tname not in created and tname in created_at:
                    what = "creates index" if st.op == "create_index" else "enables RLS on"
                    yield _later(loc, mg.id, f"{what} '{st.arg}'", tname, created_at[tname][1])
            reported: set[str] = set()
            for tname, c in refs:
                fk = c.references
                if (fk is None or fk.table == tname or fk.table in created
                        or fk.table not in design.tables or fk.table in reported):
                    continue
                reported.add(fk.table)
                if fk.table in created_at and created_at[fk.table][0] > pos:
                    yield Hit(loc, f"migration '{mg.id}' creates '{tname}' before "
                              f"'{fk.table}' (migration '{created_at[fk.table][1]}'), which "
                              f"column '{c.name}' references; create '{fk.table}' first")
                else:
                    yield Hit(loc, f"migration '{mg.id}' creates '{tname}', whose column "
                              f"'{c.name}' references '{fk.table}', but no earlier step "
                              f"creates '{fk.table}'")
            if st.op == "create_table" and isinstance(st.arg, str):
                created.add(st.arg)


def _later(loc: Loc, mid: str, what: str, table: str, creator: str) -> Hit:
    return Hit(loc, f"migration '{mid}' {what} before table '{table}' is created (migration "
               f"'{creator}'); move the step after it")


@register("S014", "migration-without-rollback", E, "A migration has no rollback strategy.")
def migration_without_rollback(design: Design) -> Iterator[Hit]:
    """Every migration says how it is rolled back.

    The brief's migration plan documents the "order of migrations, rollback strategy". A
    migration without one leaves the team improvising under pressure when a deployment goes
    wrong. Write `rollback:` — the reverse steps, or why the migration cannot be undone and
    what restores the data.

    A rollback that says to run the down steps while a raw `sql:` step has no `down:` says
    nothing true: that step cannot be undone (its down migration is marked irreversible).
    Write the `down:`, or say what restores the data instead.

    ```yaml
    rollback: Drop the notes table (its indexes go with it).
    ```
    """
    for mg in design.migrations:
        if mg.rollback is None:
            yield Hit(mg.loc.at("rollback"), f"migration '{mg.id}' has no rollback strategy; "
                      "add `rollback:` saying how to undo it")
            continue
        if not re.search(r"\bdown\b|\breverse\b", mg.rollback, re.IGNORECASE):
            continue
        for step in mg.steps:
            if step.op == "sql" and isinstance(step.arg, dict) and \
                    not str(step.arg.get("down") or "").strip():
                yield Hit(step.loc.at("sql"), f"migration '{mg.id}': its rollback says to run "
                          "the down steps, but this raw step has no `down:`; write it, or say "
                          "in `rollback:` what restores the data")


@register("S015", "migration-unknown-name", E, "A migration step names an unknown table, column or index.")
def migration_unknown_name(design: Design) -> Iterator[Hit]:
    """Migration steps name tables, columns and indexes the schema defines.

    `create_table`, `enable_rls`, `add_column` and `alter_column` name tables (and columns)
    of `kind: tables` files; `create_index` names an index defined on a table. A step naming
    something else is a typo or a leftover, and the plan no longer builds the schema.
    Drop steps (`drop_table`, `drop_column`, `drop_index`) are not checked: what they drop
    has usually left the schema already.

    ```yaml
    steps:
      - create_table: notes
      - create_index: notes_author_created_idx
    ```
    """
    index_table = _index_table(design)
    for mg in design.migrations:
        for st in mg.steps:
            loc = st.loc.at(st.op)
            if st.op in ("create_table", "enable_rls") and isinstance(st.arg, str):
                if st.arg not in design.tables:
                    yield Hit(loc, f"migration '{mg.id}': {st.op} names unknown table "
                              f"'{st.arg}'{did_you_mean(st.arg, design.tables)}")
            elif st.op == "create_index" and isinstance(st.arg, str):
                if st.arg not in index_table:
                    yield Hit(loc, f"migration '{mg.id}': create_index names '{st.arg}', which "
                              f"no table defines{did_you_mean(st.arg, index_table)}")
            elif st.op in ("add_column", "alter_column") and isinstance(st.arg, dict):
                tname, cname = st.arg.get("table"), st.arg.get("column")
                if not isinstance(tname, str):
                    continue
                table = design.tables.get(tname)
                if table is None:
                    yield Hit(loc.at("table"), f"migration '{mg.id}': {st.op} names unknown "
                              f"table '{tname}'{did_you_mean(tname, design.tables)}")
                elif isinstance(cname, str) and table.column(cname) is None:
                    names = [c.name for c in table.columns]
                    yield Hit(loc.at("column"), f"migration '{mg.id}': {st.op} names unknown "
                              f"column '{tname}.{cname}'{did_you_mean(cname, names)}")
