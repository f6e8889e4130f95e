"""Design directory → :class:`Design` plus the loading findings (rule family L).

Each file is read with the marked YAML reader, validated against the JSON Schema of its
``kind``, and turned into typed model objects merged across files. Every problem becomes a
finding at its ``file:line:col``; only a missing design directory raises.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designgate.findings import Finding, Severity, Span, did_you_mean
from designgate.generate.checksum import FILE as checksum_file
from designgate.load.files import Refused, read_regular
from designgate.load.format import KINDS, SCHEMAS_BY_KIND, SEVERITY_SETTING
from designgate.load.refs import RefResolver
from designgate.load.yaml_source import read_yaml
from designgate.model import design as m
from designgate.model.source import Loc, Source

DESIGN_SUFFIXES = (".yaml", ".yml")
_PROBLEM_RULES = {
    "syntax": "L001",
    "duplicate-key": "L002",
    "key-type": "L004",
    "alias-bomb": "L011",
    "too-deep": "L012",
    "tag": "L013",
}


class DesignLoadError(Exception):
    """The design cannot be loaded at all (exit code 2): no directory, no files."""


@dataclass(slots=True)
class LoadResult:
    design: m.Design
    findings: list[Finding] = field(default_factory=list)


def load_design(design_dir: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> LoadResult:
    """Load every design file under ``design_dir``.

    ``root`` is the folder paths in findings are relative to (default: the parent of
    ``design_dir``, i.e. the repository root when the design lives in ``design/``).
    """
    ddir = Path(design_dir)
    if not ddir.is_dir():
        problem = ("is not a directory" if ddir.exists()
                   else "is a broken or looping symlink" if ddir.is_symlink()
                   else "does not exist")
        raise DesignLoadError(f"design directory '{ddir}' {problem}")
    root_path = Path(root) if root is not None else ddir.resolve().parent
    unreadable: list[OSError] = []
    files = sorted(_design_files(ddir, unreadable))
    if not files:
        if unreadable:
            exc = unreadable[0]
            raise DesignLoadError(f"cannot read '{exc.filename or ddir}': {exc.strerror or exc}")
        raise DesignLoadError(f"no design files (*.yaml, *.yml) under '{ddir}'")
    loader = _Loader(ddir, root_path, files)
    for exc in unreadable:  # a folder the walk could not enter: its files would be missing
        where = _rel(Path(exc.filename), root_path) if exc.filename else _rel(ddir, root_path)
        loader.findings.append(Finding(
            "L007", Severity.ERROR, f"cannot read the folder ({exc.strerror or exc}); "
            "its design files were not loaded", Span(where, 1, 1)))
    return loader.run()


def _design_files(ddir: Path, unreadable: list[OSError]) -> Iterator[Path]:
    """Design files under ``ddir``; folders that cannot be listed go to ``unreadable``."""
    for dirpath, dirnames, filenames in os.walk(ddir, onerror=unreadable.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(DESIGN_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name
        # A folder named like a design file is read (and reported) as one; it is still
        # walked, so files inside it are not lost. A symlinked folder is not walked (the walk
        # does not follow links): it is reported (L020) rather than silently skipped.
        for name in list(dirnames):
            path = Path(dirpath) / name
            if name.endswith(DESIGN_SUFFIXES) or path.is_symlink():
                yield path


try:  # Rust validator: decides "valid" fast; the Python one explains what is wrong.
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover - a platform without its wheel
    _rs = None

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


@cache
def _validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMAS_BY_KIND[kind])


@cache
def _fast_validator(kind: str) -> Any:
    return _rs.Draft202012Validator(SCHEMAS_BY_KIND[kind]) if _rs is not None else None


def _surely_valid(kind: str, data: Any) -> bool:
    """True when the fast validator accepts ``data``; False means "ask the slow one"."""
    fast = _fast_validator(kind)
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(data))
    except (ValueError, TypeError, OverflowError):  # e.g. NaN or huge ints it cannot take
        return False


class _Loader:
    def __init__(self, ddir: Path, root: Path, files: list[Path]) -> None:
        self.ddir = ddir
        self.root = root
        self.files = files
        self.findings: list[Finding] = []
        self.sources: list[Source] = []
        self.seen: dict[tuple[str, str], Loc] = {}

    # -- reporting -------------------------------------------------------------------------

    def report(self, rule: str, loc: Loc, message: str, *, key: bool = False) -> None:
        span = loc.key_span if key else loc.span
        self.findings.append(Finding(rule, Severity.ERROR, message, span, loc.pointer))

    def unique(self, what: str, name: str, loc: Loc) -> bool:
        """Record ``name``; report L015 and return False when it was defined before."""
        first = self.seen.get((what, name))
        if first is not None:
            self.report("L015", loc, f"duplicate {what} '{name}' (first defined at "
                        f"{first.span}); rename or remove one")
            return False
        self.seen[(what, name)] = loc
        return True

    # -- pipeline --------------------------------------------------------------------------

    def run(self) -> LoadResult:
        for path in self.files:
            source = self._read(path)
            if source is not None:
                self.sources.append(source)
        by_kind: dict[str, list[Source]] = {k: [] for k in KINDS}
        for s in self.sources:
            if s.kind:
                by_kind[s.kind].append(s)
        design = m.Design(self.root, self.ddir, self._project(by_kind["project"]))
        design.sources = self.sources
        # Named schemas are known before any reference is resolved.
        schema_names = {
            name
            for s in by_kind["schemas"]
            for name in (s.data.get("schemas") or {} if isinstance(s.data.get("schemas"), dict) else {})
        }
        self.refs = RefResolver(
            self.ddir, {s.path.resolve(): s for s in self.sources}, schema_names,
            lambda rule, loc, msg: self.report(rule, loc, msg),
        )
        for s in by_kind["requirements"]:
            design.has_prd = True
            self._requirements(design, s)
        for s in by_kind["dictionary"]:
            design.has_dictionary = True
            self._dictionary(design, s)
        for s in by_kind["flows"]:
            self._flows(design, s)
        for s in by_kind["screens"]:
            self._screens(design, s)
        for s in by_kind["schemas"]:
            self._schemas(design, s)
        for s in by_kind["endpoints"]:
            self._endpoints(design, s)
        self._inherited_errors(design)
        for s in by_kind["tables"]:
            self._tables(design, s)
        for s in by_kind["migrations"]:
            self._migrations(design, s)
        for s in by_kind["auth"]:
            self._auth(design, s)
        for s in by_kind["integrations"]:
            self._integrations(design, s)
        for s in by_kind["handoff"]:
            self._handoff(design, s)
        for s in self.sources:
            self._waivers(design, s)
        self._migrations_sum(design)
        return LoadResult(design, self.findings)

    def _migrations_sum(self, design: m.Design) -> None:
        """``migrations.sum`` (the shipped migrations) if there is one: a regular file."""
        path = self.ddir / checksum_file
        if not os.path.lexists(path):
            return
        rel = _rel(path, self.root)
        design.migrations_sum_file = rel
        try:
            design.migrations_sum = read_regular(path, 1 << 20).decode("utf-8")
        except Refused as exc:
            self.findings.append(Finding(exc.rule, Severity.ERROR,
                                         f"migrations.sum not read: {exc.why}", Span(rel, 1, 1)))
        except (OSError, UnicodeDecodeError) as exc:
            self.findings.append(Finding("L007", Severity.ERROR, f"cannot read migrations.sum "
                                         f"({exc}); fix or remove it", Span(rel, 1, 1)))

    # -- reading and validating one file ---------------------------------------------------

    def _read(self, path: Path) -> Source | None:
        rel = _rel(path, self.root)
        try:
            raw = read_regular(path)
        except Refused as exc:
            self.findings.append(Finding(exc.rule, Severity.ERROR, f"not read: {exc.why}",
                                         Span(rel, 1, 1)))
            return None
        except OSError as exc:  # a dangling symlink, no permission, ...
            if isinstance(exc, IsADirectoryError):
                why = "it is a folder; rename it so its name does not end in .yaml/.yml"
            elif exc.errno == errno.ELOOP:
                why = "a symlink loop; fix or remove it"
            else:
                why = f"{exc.strerror or exc}; fix or remove it"
            self.findings.append(Finding(
                "L007", Severity.ERROR, f"cannot read the file ({why})", Span(rel, 1, 1),
            ))
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            self.findings.append(Finding(
                "L007", Severity.ERROR,
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                Span(rel, line, col),
            ))
            return None
        doc = read_yaml(text)
        source = Source(path, rel, doc)
        for p in doc.problems:
            self.findings.append(Finding(
                _PROBLEM_RULES[p.kind], Severity.ERROR, p.message, Span(rel, p.line, p.column)
            ))
        if doc.data is None:
            if not doc.problems:
                self.report("L014", Loc(source), "file is empty; start it with `kind:` "
                            f"(one of {', '.join(KINDS)})")
            return None
        if not isinstance(doc.data, dict):
            self.report("L004", Loc(source), "a design file must be a mapping with a `kind:` key")
            return None
        kind = doc.data.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            if kind is None:
                self.report("L014", Loc(source), "missing `kind:`; say which artifact this file "
                            f"holds (one of {', '.join(KINDS)})")
            else:
                self.report("L014", Loc(source, ("kind",)),
                            f"unknown kind '{kind}'{did_you_mean(str(kind), KINDS)}")
            return None
        source.kind = kind
        errors = () if _surely_valid(kind, doc.data) else _validator(kind).iter_errors(doc.data)
        for err in errors:
            self._schema_error(source, err)
        return source

    def _schema_error(self, source: Source, err: ValidationError) -> None:
        ptr = tuple(err.absolute_path)
        loc = Loc(source, ptr)
        v = err.validator
        if v == "additionalProperties" and isinstance(err.instance, dict):
            schema = err.schema if isinstance(err.schema, dict) else {}
            known = list(schema.get("properties", {}))
            for key in err.instance:
                if key in known or key.startswith("x-"):
                    continue
                self.report("L003", loc.at(key), f"unknown key '{key}'"
                            f"{did_you_mean(key, known)}", key=True)
        elif v == "required":
            missing = err.message.split("'")[1] if "'" in err.message else "?"
            self.report("L005", loc, f"missing required field '{missing}'")
        elif v == "type":
            expected = err.validator_value
            exp = " or ".join(expected) if isinstance(expected, list) else expected
            self.report("L004", loc, f"expected {_article(exp)}, got {_json_type(err.instance)}")
        elif v == "oneOf":
            first = (err.validator_value or [{}])[0] if isinstance(err.validator_value, list) else {}
            if first.get("type") == "integer":
                # A mapping is meant as a response object: say what is wrong inside it
                # (an unknown key, a wrong type) rather than that it is not a status code.
                inner = [e for e in err.context or () if list(e.relative_schema_path)[:1] == [1]]
                if isinstance(err.instance, dict) and inner:
                    for sub in inner:
                        self._schema_error(source, sub)
                else:
                    self.report("L004", loc, "expected a status code or a response object "
                                f"({_json_type(err.instance)} given)")
            elif ptr and "tables" in ptr:
                self.report("L004", loc, "expected a table name or {table, access, via} "
                            f"({_json_type(err.instance)} given)")
            else:
                self.report("L006", loc, f"invalid value: {err.message}")
        elif v in ("enum", "const"):
            allowed = err.validator_value if v == "enum" else [err.validator_value]
            words = [str(a) for a in allowed]
            self.report("L006", loc, f"'{err.instance}' is not allowed here; use one of "
                        f"{', '.join(words)}{did_you_mean(str(err.instance), words)}")
        elif v in ("minProperties", "maxProperties"):
            self.report("L006", loc, "a migration step holds exactly one operation "
                        "(create_table, add_column, ...)")
        elif v == "propertyNames":
            self.report("L006", loc, err.message)
        else:
            self.report("L006", loc, f"invalid value: {err.message}")

    # -- model builders --------------------------------------------------------------------

    def _project(self, sources: list[Source]) -> m.Project:
        if not sources:
            self.findings.append(Finding(
                "L016", Severity.ERROR,
                "no project file; add design/project.yaml with `kind: project`",
            ))
            return m.Project(loc=None)
        for extra in sources[1:]:
            self.report("L016", Loc(extra, ("kind",)), "more than one `kind: project` file "
                        f"(first: {sources[0].rel}); keep one")
        s = sources[0]
        d = s.data
        api = _d(d, "api")
        conv = _d(d, "conventions")
        pag = _d(conv, "pagination")
        gate = _d(d, "gate")
        defaults = m.Pagination()
        return m.Project(
            loc=Loc(s),
            name=_s(d, "name", "Unnamed API"),
            version=str(d.get("version", "0.0.0")) if _scalar(d.get("version")) else "0.0.0",
            description=_s(d, "description"),
            release=_s(d, "release", "full"),
            contact={k: v for k, v in _d(d, "contact").items() if isinstance(v, str)},
            license={k: v for k, v in _d(d, "license").items() if isinstance(v, str)},
            repo_url=_s(d, "repo_url"),
            base_path=_s(api, "base_path"),
            versioning=_s(api, "versioning", "url-path"),
            servers=[x for x in _l(api, "servers") if isinstance(x, dict) and isinstance(x.get("url"), str)],
            id_format=_s(api, "id_format", "uuid"),
            database=_s(d, "database", "postgres"),
            errors=_s(conv, "errors", "problem+json"),
            pagination=m.Pagination(
                style=_s(pag, "style", defaults.style),
                default_page_size=_i(pag, "default_page_size") or defaults.default_page_size,
                max_page_size=_i(pag, "max_page_size") or defaults.max_page_size,
                items_field=_s(pag, "items_field", defaults.items_field),
                cursor_field=_s(pag, "cursor_field", defaults.cursor_field),
                total_field=_s(pag, "total_field", defaults.total_field),
            ),
            responses=self._response_defaults(Loc(s, ("conventions", "responses")),
                                              _d(conv, "responses")),
            # An invalid setting was reported (L006); it must not reach Severity.parse.
            rules={k: v for k, v in _d(d, "rules").items() if v in SEVERITY_SETTING["enum"]},
            acknowledged=[
                m.Acknowledgement(str(x["change"]), str(x["reason"]),
                                  Loc(s, ("acknowledged_changes", i)))
                for i, x in enumerate(_l(d, "acknowledged_changes"))
                if isinstance(x, dict) and isinstance(x.get("change"), str)
                and isinstance(x.get("reason"), str)
            ],
            gate=m.GateSettings(
                required_approvals=_i(gate, "required_approvals") or 1,
                max_revision_cycles=_i(gate, "max_revision_cycles") or 3,
                orchestrator=_s(gate, "orchestrator", "@orchestrator"),
                require_code_owners=gate.get("require_code_owners") is not False,
                orchestrator_logins=tuple(x for x in gate.get("orchestrator_logins") or []
                                          if isinstance(x, str)),
            ),
        )

    @staticmethod
    def _response_defaults(loc: Loc, d: dict[str, Any]) -> m.ResponseDefaults:
        rl, cors = _d(d, "rate_limit"), _d(d, "cors")
        return m.ResponseDefaults(
            errors=_ints(d, "errors") if "errors" in d else [400],
            rate_limit=m.RateLimit(_s(rl, "policy"), _s(rl, "description"))
            if _s(rl, "policy") else None,
            cors_origin=_s(cors, "allow_origin"),
            loc=loc,
        )

    def _inherited_errors(self, design: m.Design) -> None:
        """Errors an endpoint answers without listing them: the project's defaults, and
        what its concurrency control and idempotency key imply."""
        defaults = design.project.responses
        dloc = defaults.loc
        for ep in design.endpoints:
            have = {e.status for e in ep.errors}
            ep.errors.extend(_implied(ep, have))
            if ep.default_errors is not None:  # replaces the project's list, 429 included
                statuses, where = ep.default_errors, ep.loc.at("default_errors")
            elif dloc is not None:
                statuses, where = defaults.errors, dloc.at("errors")
                if defaults.rate_limit is not None and 429 not in statuses:
                    statuses = [*statuses, 429]
            else:
                continue
            for k, status in enumerate(statuses):
                if status in have or (status == 400 and not ep.takes_input):
                    continue
                have.add(status)
                ep.errors.append(m.Response.bare(status, where.at(k) if where.has(k) else where,
                                                 inherited=True))

    def _requirements(self, design: m.Design, s: Source) -> None:
        for i, r in _items(s.data, "requirements"):
            loc = Loc(s, ("requirements", i))
            rid = r.get("id") if isinstance(r.get("id"), str) else None
            if rid is not None and not self.unique("FR-ID", rid, loc.at("id")):
                continue
            stories = []
            for j, st in enumerate(_l(r, "stories")):
                if isinstance(st, dict) and isinstance(st.get("id"), str):
                    sloc = loc.at("stories", j)
                    if self.unique("user story", st["id"], sloc.at("id")):
                        stories.append(m.Story(st["id"], _s(st, "text"), rid, sloc))
            design.requirements.append(m.Requirement(
                id=rid, title=_s(r, "title"), priority=_s(r, "priority", "P2"),
                mvp=r.get("mvp") is True, description=_s(r, "description"),
                stories=stories, loc=loc,
            ))

    def _dictionary(self, design: m.Design, s: Source) -> None:
        na = s.data.get("not_applicable")
        if isinstance(na, str):
            design.dictionary_not_applicable = na
        for i, e in _items(s.data, "entities"):
            name = e.get("name")
            loc = Loc(s, ("entities", i))
            if not isinstance(name, str) or not self.unique("entity", name, loc.at("name")):
                continue
            attrs: dict[str, m.Attribute] = {}
            for j, a in _items(e, "attributes"):
                an = a.get("name")
                aloc = loc.at("attributes", j)
                if not isinstance(an, str):
                    continue
                if an in attrs:
                    self.report("L015", aloc.at("name"), f"duplicate attribute '{an}' in entity "
                                f"'{name}' (first at {attrs[an].loc.span}); rename or remove one")
                    continue
                attrs[an] = m.Attribute(
                    entity=name, name=an, type=_s(a, "type", "string"),
                    required=a.get("required") is True, description=_s(a, "description"),
                    rules=_strs(a, "rules"), values=_strs(a, "values"),
                    max_length=_i(a, "max_length"), unique=a.get("unique") is True,
                    personal_data=a.get("personal_data") is True, loc=aloc,
                )
            rels = [
                m.Relationship(_s(r, "entity"), _s(r, "kind"), _s(r, "description"),
                               _s(r, "through") or None, loc.at("relationships", j))
                for j, r in _items(e, "relationships")
            ]
            design.entities[name] = m.Entity(name, _s(e, "description"), attrs, rels, loc)

    def _flows(self, design: m.Design, s: Source) -> None:
        for i, f in _items(s.data, "flows"):
            loc = Loc(s, ("flows", i))
            fid = f.get("id")
            if not isinstance(fid, str) or not self.unique("flow", fid, loc.at("id")):
                continue
            design.flows.append(m.Flow(fid, _s(f, "name"), _strs(f, "stories"),
                                       _strs(f, "fr_ids"), _strs(f, "steps"), loc))

    def _screens(self, design: m.Design, s: Source) -> None:
        for i, sc in _items(s.data, "screens"):
            loc = Loc(s, ("screens", i))
            sid = sc.get("id")
            if not isinstance(sid, str) or not self.unique("screen", sid, loc.at("id")):
                continue
            wf = sc.get("wireframe")
            wire = None
            if isinstance(wf, dict):
                wire = m.Wireframe(_s(wf, "description"), _s(wf, "link"), _strs(wf, "shows"),
                                   _strs(wf, "states"), loc.at("wireframe"))
            design.screens.append(m.Screen(sid, _s(sc, "name"), _strs(sc, "flows"),
                                           sc.get("data_dependent") is True, wire, loc))

    def _schemas(self, design: m.Design, s: Source) -> None:
        schemas = s.data.get("schemas")
        if not isinstance(schemas, dict):
            return
        for name, schema in schemas.items():
            loc = Loc(s, ("schemas", name))
            if not isinstance(schema, (dict, bool)) or not self.unique("schema", name, loc):
                continue
            design.schemas[name] = m.NamedSchema(name, self.refs.schema(schema, loc), loc)

    def _param(self, p: dict[str, Any], loc: Loc, name: str | None = None) -> m.Param:
        schema = p.get("schema")
        return m.Param(
            name=name or _s(p, "name"), description=_s(p, "description"),
            schema=self.refs.schema(schema, loc.at("schema")) if isinstance(schema, (dict, bool)) else None,
            required=p.get("required") is True,
            example=self.refs.example(p.get("example"), loc.at("example")),
            has_example="example" in p, column=p.get("column") if isinstance(p.get("column"), str) else None,
            loc=loc,
        )

    def _response(self, r: dict[str, Any], loc: Loc, default_status: int = 200) -> m.Response:
        schema = r.get("schema")
        status = r.get("status")
        return m.Response(
            status=status if isinstance(status, int) and not isinstance(status, bool) else default_status,
            description=_s(r, "description"), content_type=_s(r, "content_type"),
            schema=self.refs.schema(schema, loc.at("schema")) if isinstance(schema, (dict, bool)) else None,
            example=self.refs.example(r.get("example"), loc.at("example")),
            has_example="example" in r,
            headers=_d(r, "headers"), loc=loc,
        )

    def _endpoints(self, design: m.Design, s: Source) -> None:
        res = _d(s.data, "resource")
        resource = res.get("name") if isinstance(res.get("name"), str) else None
        concurrency = res.get("concurrency") if isinstance(res.get("concurrency"), str) else None
        if resource:
            # Several files may share a resource; the first description wins.
            design.resources.setdefault(resource, _s(res, "description"))
        for i, e in _items(s.data, "endpoints"):
            loc = Loc(s, ("endpoints", i))
            eid = e.get("id")
            if not isinstance(eid, str) or not self.unique("endpoint id", eid, loc.at("id")):
                continue
            req = e.get("request")
            body = None
            if isinstance(req, dict):
                rloc = loc.at("request")
                schema = req.get("schema")
                body = m.Body(
                    content_type=_s(req, "content_type", "application/json"),
                    schema=self.refs.schema(schema, rloc.at("schema")) if isinstance(schema, (dict, bool)) else None,
                    example=self.refs.example(req.get("example"), rloc.at("example")),
                    has_example="example" in req, description=_s(req, "description"),
                    required=req.get("required") is not False, loc=rloc,
                )
            resp = e.get("response")
            errors: list[m.Response] = []
            for j, er in enumerate(_l(e, "errors")):
                eloc = loc.at("errors", j)
                if isinstance(er, int) and not isinstance(er, bool):
                    errors.append(m.Response.bare(er, eloc))
                elif isinstance(er, dict):
                    errors.append(self._response(er, eloc, 400))
            pag = e.get("pagination")
            ploc = loc.at("pagination")
            design.endpoints.append(m.Endpoint(
                id=eid, method=_s(e, "method", "GET").upper(), path=_s(e, "path", "/"),
                summary=_s(e, "summary"), description=_s(e, "description"),
                tags=_strs(e, "tags") or ([resource] if resource else []),
                fr_ids=_strs(e, "fr_ids"),
                permission=e.get("permission") if isinstance(e.get("permission"), str) else None,
                singleton=e.get("singleton") is True,
                path_params={
                    k: self._param(v, loc.at("path_params", k), k)
                    for k, v in _d(e, "path_params").items() if isinstance(v, dict)
                },
                filters=[self._param(p, loc.at("filters", j)) for j, p in _items(e, "filters")],
                sorts=[
                    m.SortField(_s(p, "field"), p.get("column") if isinstance(p.get("column"), str) else None,
                                _s(p, "description"), loc.at("sorts", j))
                    for j, p in _items(e, "sorts")
                ],
                query=[self._param(p, loc.at("query", j)) for j, p in _items(e, "query")],
                pagination=m.EndpointPagination(
                    style=pag.get("style") if isinstance(pag.get("style"), str) else None,
                    default_page_size=_i(pag, "default_page_size"),
                    max_page_size=_i(pag, "max_page_size"), loc=ploc,
                ) if isinstance(pag, dict) else None,
                request=body,
                response=self._response(resp, loc.at("response")) if isinstance(resp, dict) else None,
                errors=errors, tables=[a.table for a in _accesses(e, loc, _s(e, "method", "GET"))],
                access=_accesses(e, loc, _s(e, "method", "GET")),
                runs_as=e.get("runs_as") if isinstance(e.get("runs_as"), str) else None,
                impact=_i(e, "impact"), effort=_i(e, "effort"),
                deprecated=e.get("deprecated") is True, openapi=_d(e, "openapi"),
                resource=resource, loc=loc,
                headers=[self._param(p, loc.at("headers", j)) for j, p in _items(e, "headers")],
                default_errors=_ints(e, "default_errors") if "default_errors" in e else None,
                idempotency_key=_s(e, "idempotency_key") or None,
                concurrency=concurrency,
            ))

    def _tables(self, design: m.Design, s: Source) -> None:
        for i, t in _items(s.data, "tables"):
            loc = Loc(s, ("tables", i))
            name = t.get("name")
            if not isinstance(name, str) or not self.unique("table", name, loc.at("name")):
                continue
            columns: list[m.Column] = []
            names: set[str] = set()
            for j, c in _items(t, "columns"):
                cn = c.get("name")
                cloc = loc.at("columns", j)
                if not isinstance(cn, str):
                    continue
                if cn in names:
                    self.report("L015", cloc.at("name"), f"duplicate column '{cn}' in table "
                                f"'{name}'; rename or remove one")
                    continue
                names.add(cn)
                ref = c.get("references")
                fk = None
                if isinstance(ref, dict) and isinstance(ref.get("table"), str):
                    fk = m.ForeignKey(ref["table"], _s(ref, "column", "id"),
                                      ref.get("on_delete") if isinstance(ref.get("on_delete"), str) else None,
                                      cloc.at("references"), columns=[cn],
                                      ref_columns=[_s(ref, "column", "id")])
                default = c.get("default")
                columns.append(m.Column(
                    table=name, name=cn, type=_s(c, "type", "text"),
                    attribute=c.get("attribute") if isinstance(c.get("attribute"), str) else None,
                    technical=c.get("technical") if isinstance(c.get("technical"), str) else None,
                    nullable=c.get("nullable") is not False and c.get("primary_key") is not True,
                    default=default if _scalar(default) else None,
                    primary_key=c.get("primary_key") is True, unique=c.get("unique") is True,
                    check=c.get("check") if isinstance(c.get("check"), str) else None,
                    description=_s(c, "description"), references=fk, loc=cloc,
                    owner=c.get("owner") is True,
                    collation=c.get("collation") if isinstance(c.get("collation"), str) else None,
                ))
            indexes = []
            for j, ix in _items(t, "indexes"):
                iloc = loc.at("indexes", j)
                iname = ix.get("name")
                if not isinstance(iname, str) or not self.unique("index", iname, iloc.at("name")):
                    continue
                indexes.append(m.Index(
                    table=name, name=iname, columns=_strs(ix, "columns"),
                    unique=ix.get("unique") is True, method=_s(ix, "method", "btree"),
                    where=ix.get("where") if isinstance(ix.get("where"), str) else None,
                    serves=_s(ix, "serves"), loc=iloc, concurrently=ix.get("concurrently") is True,
                ))
            design.tables[name] = m.Table(
                name=name, entity=t.get("entity") if isinstance(t.get("entity"), str) else None,
                description=_s(t, "description"),
                user_data=t.get("user_data") is not False if "user_data" in t
                else isinstance(t.get("entity"), str),
                columns=columns, primary_key=_strs(t, "primary_key"),
                unique=[[c for c in u if isinstance(c, str)] for u in _l(t, "unique") if isinstance(u, list)],
                indexes=indexes, loc=loc,
                checks=[m.Check(_s(k, "name"), _s(k, "expression"), _s(k, "description"),
                                loc.at("checks", j))
                        for j, k in _items(t, "checks")
                        if isinstance(k.get("name"), str) and isinstance(k.get("expression"), str)],
                foreign_keys=[self._foreign_key(k, loc.at("foreign_keys", j))
                              for j, k in _items(t, "foreign_keys")
                              if _strs(k, "columns") and isinstance(k.get("references"), dict)
                              and isinstance(k["references"].get("table"), str)],
            )

    def _foreign_key(self, k: dict[str, Any], loc: Loc) -> m.ForeignKey:
        ref = k["references"]
        refs = _strs(ref, "columns")
        return m.ForeignKey(ref["table"], refs[-1] if refs else "id",
                            k.get("on_delete") if isinstance(k.get("on_delete"), str) else None,
                            loc, columns=_strs(k, "columns"), ref_columns=refs,
                            name=k.get("name") if isinstance(k.get("name"), str) else None)

    def _migrations(self, design: m.Design, s: Source) -> None:
        for i, mg in _items(s.data, "migrations"):
            loc = Loc(s, ("migrations", i))
            mid = mg.get("id")
            if not isinstance(mid, str) or not self.unique("migration", mid, loc.at("id")):
                continue
            steps = []
            for j, st in _items(mg, "steps"):
                if len(st) == 1:
                    ((op, arg),) = st.items()
                    steps.append(m.Step(op, arg, loc.at("steps", j)))
            dest = _d(mg, "destructive")
            design.migrations.append(m.Migration(
                id=mid, description=_s(mg, "description"), steps=steps,
                rollback=mg.get("rollback") if isinstance(mg.get("rollback"), str) and mg["rollback"].strip() else None,
                destructive_acknowledged=dest.get("acknowledged") is True,
                destructive_note=_s(dest, "note"), loc=loc,
                transactional=mg.get("transactional") is not False,
                lock_timeout=_s(mg, "lock_timeout") or None,
                statement_timeout=_s(mg, "statement_timeout") or None,
            ))

    def _auth(self, design: m.Design, s: Source) -> None:
        d = s.data
        if design.auth is None:
            design.auth = m.Auth(
                strategy=d.get("strategy") if isinstance(d.get("strategy"), str) else None,
                description=_s(d, "description"), token=_d(d, "token"),
                session_settings={k: v for k, v in _d(d, "session_settings").items() if isinstance(v, str)},
                loc=Loc(s), tenancy=self._tenancy(d, s),
            )
        elif "strategy" in d:
            self.report("L015", Loc(s, ("strategy",)), "auth strategy is defined in more than one "
                        f"file (first: {design.auth.loc.file if design.auth.loc else '?'}); keep one")
        for i, r in _items(d, "roles"):
            loc = Loc(s, ("roles", i))
            name = r.get("name")
            if isinstance(name, str) and self.unique("role", name, loc.at("name")):
                design.roles[name] = m.Role(
                    name, _s(r, "description"), _strs(r, "inherits"), _strs(r, "permissions"),
                    loc, tables=_accesses(r, loc, None), cross_tenant=r.get("cross_tenant") is True)
        for i, p in _items(d, "permissions"):
            loc = Loc(s, ("permissions", i))
            name = p.get("name")
            if isinstance(name, str) and self.unique("permission", name, loc.at("name")):
                design.permissions[name] = m.Permission(name, _s(p, "description"), loc)
        for i, p in _items(d, "policies"):
            loc = Loc(s, ("policies", i))
            name, table = p.get("name"), p.get("table")
            if not (isinstance(name, str) and isinstance(table, str)):
                continue
            if self.unique("policy", f"{table}.{name}", loc.at("name")):
                design.policies.append(m.Policy(
                    name=name, table=table, command=_s(p, "command", "all"), roles=_strs(p, "roles"),
                    using=p.get("using") if isinstance(p.get("using"), str) else None,
                    with_check=p.get("with_check") if isinstance(p.get("with_check"), str) else None,
                    description=_s(p, "description"), loc=loc,
                    restrictive=p.get("restrictive") is True,
                ))

    def _tenancy(self, d: dict[str, Any], s: Source) -> m.Tenancy | None:
        t = d.get("tenancy")
        if not isinstance(t, dict) or not all(isinstance(t.get(k), str)
                                              for k in ("tenant", "column", "setting")):
            return None
        loc = Loc(s, ("tenancy",))
        user, member = _d(t, "user"), _d(t, "membership")
        membership = None
        if isinstance(member.get("table"), str) and isinstance(member.get("user"), str):
            membership = m.Membership(member["table"], member["user"],
                                      _s(member, "role") or None, loc.at("membership"))
        return m.Tenancy(
            tenant=t["tenant"], column=t["column"], setting=t["setting"],
            user_table=_s(user, "table") or None, user_setting=_s(user, "setting") or None,
            membership=membership,
            scopes={k: v for k, v in _d(t, "tables").items() if v in ("per-user", "global")},
            loc=loc,
        )

    def _payload(self, item: dict[str, Any], loc: Loc) -> m.Payload | None:
        p = item.get("payload")
        if not isinstance(p, dict):
            return None
        ploc = loc.at("payload")
        schema = p.get("schema")
        return m.Payload(
            schema=self.refs.schema(schema, ploc.at("schema")) if isinstance(schema, (dict, bool)) else None,
            example=self.refs.example(p.get("example"), ploc.at("example")),
            has_example="example" in p, description=_s(p, "description"), loc=ploc,
        )

    def _integrations(self, design: m.Design, s: Source) -> None:
        d = s.data
        for i, w in _items(d, "webhooks"):
            loc = Loc(s, ("webhooks", i))
            name = w.get("name")
            if isinstance(name, str) and self.unique("webhook", name, loc.at("name")):
                design.webhooks.append(m.Webhook(
                    name=name, summary=_s(w, "summary"), description=_s(w, "description"),
                    fr_ids=_strs(w, "fr_ids"), trigger=_s(w, "trigger"),
                    payload=self._payload(w, loc),
                    signing=w["signing"] if isinstance(w.get("signing"), dict) else None,
                    retries=w["retries"] if isinstance(w.get("retries"), dict) else None,
                    timeout=w.get("timeout") if isinstance(w.get("timeout"), str) else None, loc=loc,
                ))
        for i, ev in _items(d, "events"):
            loc = Loc(s, ("events", i))
            name = ev.get("name")
            version = ev.get("version")
            if isinstance(name, str) and self.unique("event", f"{name} v{version}", loc.at("name")):
                design.events.append(m.Event(
                    name=name, version=str(version) if _scalar(version) else "1",
                    description=_s(ev, "description"), fr_ids=_strs(ev, "fr_ids"),
                    producer=_s(ev, "producer"), consumers=_strs(ev, "consumers"),
                    channel=_s(ev, "channel"), payload=self._payload(ev, loc), loc=loc,
                ))
        for i, t in _items(d, "third_party"):
            loc = Loc(s, ("third_party", i))
            name = t.get("name")
            if isinstance(name, str) and self.unique("third-party contract", name, loc.at("name")):
                design.third_parties.append(m.ThirdParty(
                    name=name, provider=_s(t, "provider"), purpose=_s(t, "purpose"),
                    fr_ids=_strs(t, "fr_ids"), base_url=_s(t, "base_url"),
                    operations=[o for o in _l(t, "operations") if isinstance(o, dict)],
                    auth=t["auth"] if isinstance(t.get("auth"), dict) else None,
                    failure_modes=[f for f in _l(t, "failure_modes") if isinstance(f, dict)],
                    retries=t["retries"] if isinstance(t.get("retries"), dict) else None,
                    timeout=t.get("timeout") if isinstance(t.get("timeout"), str) else None, loc=loc,
                ))

    def _handoff(self, design: m.Design, s: Source) -> None:
        d = s.data
        h = design.handoff
        if h is None:
            h = design.handoff = m.Handoff(
                from_phase=_s(d, "from_phase"), received=_s(d, "received"), loc=Loc(s),
            )
        h.primary_flows += _strs(d, "primary_flows")
        for i, x in _items(d, "decisions"):
            loc = Loc(s, ("decisions", i))
            if isinstance(x.get("id"), str) and self.unique("decision", x["id"], loc.at("id")):
                h.decisions.append(m.Decision(x["id"], _s(x, "decision"), _s(x, "intent"),
                                              x.get("preserve") is True, loc))
        for i, x in _items(d, "assumptions"):
            loc = Loc(s, ("assumptions", i))
            if isinstance(x.get("id"), str) and self.unique("assumption", x["id"], loc.at("id")):
                h.assumptions.append(m.Assumption(x["id"], _s(x, "text"), _strs(x, "affects"),
                                                  x.get("flagged") is True, _s(x, "note"), loc))
        for i, x in _items(d, "rfis"):
            loc = Loc(s, ("rfis", i))
            if isinstance(x.get("id"), str) and self.unique("RFI", x["id"], loc.at("id")):
                h.rfis.append(m.Rfi(x["id"], _s(x, "question"), _s(x, "status", "open"),
                                    _s(x, "owner"), _s(x, "resolution"), loc))

    def _waivers(self, design: m.Design, s: Source) -> None:
        """Collect ``waivers:`` lists wherever the format allows them."""
        if "waivers" not in s.doc.keys:
            return
        stack: list[tuple[Any, tuple[str | int, ...]]] = [(s.data, ())]
        while stack:
            node, ptr = stack.pop()
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "waivers" and isinstance(v, list):
                        for j, w in enumerate(v):
                            if not (isinstance(w, dict) and isinstance(w.get("rule"), str)):
                                continue
                            wloc = Loc(s, (*ptr, "waivers", j))
                            reason = w.get("reason")
                            if not isinstance(reason, str) or not reason.strip():
                                self.report("L017", wloc, f"waiver of {w['rule']} has no reason; "
                                            "say why this finding is acceptable")
                                continue
                            design.waivers.append(m.Waiver(w["rule"], reason.strip(), Loc(s, ptr), wloc))
                    elif isinstance(v, (dict, list)) and k not in ("schema", "example", "schemas", "openapi"):
                        stack.append((v, (*ptr, k)))
            elif isinstance(node, list):
                stack.extend((v, (*ptr, i)) for i, v in enumerate(node) if isinstance(v, (dict, list)))


#: The command an endpoint runs on the tables it names plainly (every write reads too).
METHOD_COMMANDS = {"GET": ["select"], "POST": ["insert", "select"], "PUT": ["update", "select"],
                   "PATCH": ["update", "select"], "DELETE": ["delete", "select"]}
_COMMANDS = ("select", "insert", "update", "delete")


def _accesses(d: dict[str, Any], loc: Loc, method: str | None) -> list[m.TableAccess]:
    """The `tables:` of an endpoint (``method`` given) or of a role: names, or
    ``{table, access, via}``."""
    own = METHOD_COMMANDS.get((method or "GET").upper(), ["select"])
    out = []
    for j, item in enumerate(_l(d, "tables")):
        iloc = loc.at("tables", j)
        if isinstance(item, str):
            out.append(m.TableAccess(item, list(own if method else ["select"]), None, iloc))
        elif isinstance(item, dict) and isinstance(item.get("table"), str):
            access = item.get("access", "write" if method else "read")
            if access == "read":
                cmds = ["select"]
            elif access == "write":
                cmds = list(own) if method and own != ["select"] else list(_COMMANDS)
            elif isinstance(access, list):
                cmds = [c for c in _COMMANDS if c in access]
            else:
                cmds = list(own)
            via = item.get("via") if isinstance(item.get("via"), str) else None
            out.append(m.TableAccess(item["table"], cmds, via, iloc.at("table")))
    return out


# --- small typed getters: wrong types were reported by validation; here they read as absent --


def _implied(ep: m.Endpoint, have: set[int]) -> Iterator[m.Response]:
    """Errors an endpoint's own settings imply: 412/428 for a change of an item under
    optimistic concurrency, 409/422 for a request with an idempotency key (the IETF
    httpapi drafts' answers to a stale If-Match, a missing one, a retry while the first
    request runs, and a key reused for another request)."""
    implied: list[tuple[int, Loc]] = []
    if ep.concurrency == "etag" and ep.writes_item:
        where = Loc(ep.loc.source, ("resource", "concurrency"))
        implied += [(412, where), (428, where)]
    if ep.idempotency_key:
        where = ep.loc.at("idempotency_key")
        implied += [(409, where), (422, where)]
    for status, where in implied:
        if status not in have:
            have.add(status)
            yield m.Response.bare(status, where, inherited=True)


def _s(d: dict[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    return v if isinstance(v, str) else default


def _i(d: dict[str, Any], key: str) -> int | None:
    v = d.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _d(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def _l(d: dict[str, Any], key: str) -> list[Any]:
    v = d.get(key)
    return v if isinstance(v, list) else []


def _strs(d: dict[str, Any], key: str) -> list[str]:
    return [x for x in _l(d, key) if isinstance(x, str)]


def _ints(d: dict[str, Any], key: str) -> list[int]:
    return [x for x in _l(d, key) if isinstance(x, int) and not isinstance(x, bool)]


def _items(d: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if not isinstance(d, dict):
        return
    for i, x in enumerate(_l(d, key)):
        if isinstance(x, dict):
            yield i, x


def _scalar(v: Any) -> bool:
    return isinstance(v, (str, int, float, bool))


def _rel(path: Path, root: Path) -> str:
    # The path as written first, so that a symlinked file is named by its link.
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # not below root; a symlink loop (3.11)
        return path.as_posix()


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "mapping" if isinstance(v, dict) else type(v).__name__


def _article(word: str) -> str:
    nice = {"object": "mapping", "array": "list"}.get(word, word)
    return ("an " if nice[0] in "aeiou" else "a ") + nice
