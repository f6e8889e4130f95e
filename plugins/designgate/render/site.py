"""Design → the pages of the design site (Markdown) and the files beside them.

Pure: a checked design in, page texts out. The MkDocs plugin turns these into generated
files; nothing here knows MkDocs. Pages come from Jinja2 templates that users can override
(``templates_dir``). Every value a template prints is escaped by default (``finalize``): text
from YAML reaches the page as literal text, never as Markdown, HTML or a link.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from markupsafe import Markup

from designgate.check import Report
from designgate.diff.catalog import Level
from designgate.diff.changes import Change, DesignDiff
from designgate.findings import Severity, Span
from designgate.gate.package import review_package
from designgate.generate import sql
from designgate.generate.openapi import build_openapi
from designgate.generate.output import dump_yaml
from designgate.generate.traceability import build_traceability
from designgate.model.design import QUADRANT_ORDER, Design, Endpoint, Table
from designgate.model.source import Loc
from designgate.render import text
from designgate.render.apiref import api_pages, route, split_by_tag
from designgate.render.chart import impact_effort_svg
from designgate.render.erd import MAX_DIAGRAM_CHARS, drawable, er_diagram, neighbours
from designgate.render.sanitize import is_safe_url
from designgate.rules.registry import FAMILIES, Rule, all_rules

GUIDE_PACKAGE = "designgate.guide"
#: The design sequence of the Impact/Effort matrix (the seed's order; Thankless is deferred).
SEQUENCE = {"Quick Win": "Quick Wins", "Major Project": "Major Projects",
            "Fill-In": "Fill-Ins", "Thankless Task": "Thankless Tasks (deferred)"}


@dataclass(slots=True)
class SiteOptions:
    #: Folder of the site the design pages go to.
    pages_dir: str = "design"
    #: Folder of the user guide (getting started, format and rule reference); None: no guide.
    guide_dir: str | None = "guide"
    #: Link to a source line: a template with ``{path}`` and ``{line}``; None: no links.
    source_url: str | None = None
    #: Folder whose templates replace the built-in ones of the same name.
    templates_dir: Path | None = None
    #: Render the ER diagram with Mermaid (False: show its source text).
    mermaid: bool = True
    #: MkDocs' ``use_directory_urls``: how page paths become URLs (links in raw HTML).
    directory_urls: bool = True
    #: The gate, as ``designgate gate status --format json`` gives it (``to_json``); a string
    #: says why it was not evaluated (not a git repository...); None: not asked for.
    gate: dict[str, Any] | str | None = None
    #: A ``designgate db verify --out`` report: the auth page shows its RLS matrix.
    verify: dict[str, Any] | None = None
    #: What changed since the approved baseline (``designgate diff --base approved``): the
    #: Changes page, and marks on the endpoint, API and table pages. A string says why
    #: nothing was compared (no approved baseline...); None: not asked for.
    changes: DesignDiff | str | None = None
    #: The commit the changes' base locations are in: their links point at its lines.
    changes_base: str | None = None
    #: The commit being built: source links point at its lines (not a branch's, which move).
    commit: str | None = None
    #: How links in raw HTML are written: "url", the final URL (MkDocs leaves raw HTML as it
    #: is), or "md", the ``.md`` file like a Markdown link (Zensical rewrites raw HTML links
    #: as if they were Markdown's, relative to the page's source file).
    raw_links: str = "url"


@dataclass(frozen=True, slots=True)
class SitePage:
    path: str  # relative to the docs folder, '/'-separated, ends in .md
    title: str
    markdown: str
    #: The page holds an SVG we drew (the sanitiser keeps inline SVG on this page only).
    svg: bool = False
    #: Front matter for the generator: ``hide: [toc]`` gives a page of wide tables the
    #: width of the table of contents (Material, Zensical).
    meta: dict[str, Any] = field(default_factory=dict)

    def source(self, **front: Any) -> str:
        """The page as a Markdown file: its front matter (``front`` fields first, then
        ``meta``), then its Markdown."""
        fields = {**front, **self.meta}
        if not fields:
            return self.markdown
        return "---\n" + dump_yaml(fields) + "---\n\n" + self.markdown


@dataclass(frozen=True, slots=True)
class SiteFile:
    path: str
    content: str | bytes


@dataclass(slots=True)
class Site:
    pages: list[SitePage] = field(default_factory=list)
    files: list[SiteFile] = field(default_factory=list)
    #: MkDocs-style nav: [{title: path | [..]}, ...] for the design and guide sections.
    nav: list[dict[str, Any]] = field(default_factory=list)
    #: What could not be rendered (a design with errors), for the build's log.
    warnings: list[str] = field(default_factory=list)


# --- links --------------------------------------------------------------------------------


class Links:
    """Relative links between the site's pages, and from findings to source lines."""

    def __init__(self, options: SiteOptions) -> None:
        self.options = options
        self.base = options.pages_dir.strip("/")
        self.current = ""

    def page(self, name: str) -> str:
        """The docs path of design page ``name`` (``endpoints`` → ``design/endpoints.md``)."""
        return posixpath.join(self.base, f"{name}.md") if self.base else f"{name}.md"

    def md(self, name: str, frag: str = "") -> Markup:
        """A Markdown link target (MkDocs resolves and validates ``.md`` links)."""
        rel = posixpath.relpath(self.page(name), posixpath.dirname(self.current) or ".")
        return Markup(rel + (f"#{text.anchor(frag)}" if frag else ""))

    def url(self, name: str, frag: str = "") -> Markup:
        """A link for raw HTML, relative to the current page: its final URL (MkDocs leaves it
        alone), or with ``raw_links="md"`` its source file (Zensical rewrites it)."""
        if self.options.raw_links == "md":
            return self.md(name, frag)
        target = _url_of(self.page(name), self.options.directory_urls)
        here = _url_of(self.current, self.options.directory_urls)
        here_dir = here.rstrip("/") if here.endswith("/") else posixpath.dirname(here)
        rel = posixpath.relpath(target.rstrip("/") or ".", here_dir or ".")
        if target.endswith("/") or not target:
            rel = rel.rstrip("/") + "/"
        return Markup(rel + (f"#{text.anchor(frag)}" if frag else ""))

    def source(self, span: Span | Loc | None, commit: str | None = None, *,
               short: bool = False) -> Markup:
        """``file:line:col``, linked to the repository when a source URL is configured.

        With ``commit``, the line as it is in that commit: the template's ``{commit}``, or the
        ref after ``/blob/`` (GitHub, GitLab, Gitea), becomes it; a template that names no
        commit cannot point into another version, so the location is not linked.
        """
        if span is None:
            return Markup("<em>design</em>")
        s = span.span if isinstance(span, Loc) else span
        label = text.escape(f"{posixpath.basename(s.file)}:{s.line}" if short else str(s))
        template = self.options.source_url
        if template and commit is not None:
            template = _at_commit(template, commit)
        elif template and self.options.commit:
            template = (_at_commit(template, self.options.commit)
                        or template.replace("{commit}", "HEAD"))
        elif template:
            template = template.replace("{commit}", "HEAD")
        if not template:
            return Markup(f"<code>{label}</code>")
        href = template.replace("{path}", s.file).replace("{line}", str(s.line))
        if not is_safe_url(href):
            return Markup(f"<code>{label}</code>")
        return Markup(f'<a class="dg-source" href="{text.escape(href)}"><code>{label}</code></a>')


def _at_commit(template: str, commit: str) -> str | None:
    if "{commit}" in template:
        return template.replace("{commit}", commit)
    at_ref = re.sub(r"/blob/[^/{}]+/", f"/blob/{commit}/", template, count=1)
    return at_ref if at_ref != template else None


def _url_of(path: str, directory_urls: bool) -> str:
    if not path:
        return ""
    stem = path[: -len(".md")] if path.endswith(".md") else path
    if not directory_urls:
        return stem + ".html"
    if posixpath.basename(stem) == "index":
        return posixpath.dirname(stem) + "/" if posixpath.dirname(stem) else ""
    return stem + "/"


# --- the environment ----------------------------------------------------------------------


def _finalize(value: Any) -> Any:
    # Every {{ value }} is literal text unless the template code marked it as markup.
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return text.escape(value)


def environment(templates_dir: Path | None = None) -> Environment:
    loaders: list[Any] = []
    if templates_dir is not None:
        loaders.append(FileSystemLoader(str(templates_dir)))
    loaders.append(PackageLoader("designgate.render", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({
        "inline": text.inline,
        "paragraphs": text.paragraphs,
        "code_json": text.code_json,
        "code_text": text.code_text,
        "anchor": lambda *parts: Markup(text.anchor(*parts)),
        "route": route,
        "sev": _severity_badge,
        # Only for text that ships with designgate (rule explanations), never design text.
        "trusted_markdown": Markup,
        "yesno": lambda v: Markup("yes") if v else Markup("&mdash;"),
        # Jinja's own `join` and `e` escape for HTML only: design text needs Markdown too.
        "join": _join,
        "e": text.escape,
        "tojson": lambda v: text.escape(json.dumps(v, ensure_ascii=False, default=str)),
        "escape": text.escape,
        "sentence": text.sentence,
        "value": text.value,
        "label": text.label,
        "literal": text.literal,  # whitespace kept (diagram sources)
        # A mapping as (label, value) rows for the `kv` macro.
        "rows": lambda m: [(text.label(k), text.value(v)) for k, v in (m or {}).items()],
    })
    return env


def _join(items: Iterable[Any], sep: str = ", ") -> Markup:
    return text.literal(sep).join(text.escape(i) for i in items)


def _severity_badge(sev: Severity) -> Markup:
    return Markup(f'<span class="dg-sev dg-sev-{sev}">{sev}</span>')


def _sql_or_refusal(produce: Callable[[], str]) -> str:
    """Generated SQL, or a comment saying why the generator refused it (see S019)."""
    try:
        return produce()
    except sql.UnsafeSql as exc:
        return f"-- not generated: {' '.join(str(exc).split())}\n"


# --- the pages ----------------------------------------------------------------------------

#: How the Changes page names what a breaking change reaches (besides endpoints and tables).
IMPACT_LABELS = [("fr_ids", "FR-IDs"), ("flows", "flows"), ("screens", "screens"),
                 ("roles", "roles"), ("webhooks", "webhooks"), ("events", "events"),
                 ("third_parties", "third parties")]


#: Pages of wide tables: no table of contents beside them (its width goes to the tables).
WIDE: dict[str, Any] = {"hide": ["toc"]}


class _Builder:
    def __init__(self, report: Report, options: SiteOptions) -> None:
        self.report = report
        self.design: Design = report.design
        self.options = options
        self.links = Links(options)
        self.env = environment(options.templates_dir)
        self.site = Site()
        self.rules = {r.id: r for r in all_rules()}
        self.openapi = build_openapi(self.design).document
        self.trace = build_traceability(self.design)
        self.rls_sql = _sql_or_refusal(lambda: sql.rls_sql(self.design))
        self.api_page_of_tag = self._api_pages()
        self.api_page_of = {
            str(op.get("operationId")): self.api_page_of_tag[tag]
            for tag, ops in split_by_tag(self.openapi).items() for _m, _p, op in ops
        }
        self._endpoints = {e.id: e for e in self.design.endpoints}
        self._titles = {r.id: r.title for r in self.design.requirements}
        diff = options.changes if isinstance(options.changes, DesignDiff) else None
        self.marks = ChangeMarks.of(diff, self.design)

    def render(self, template: str, path: str, title: str, *, svg: bool = False,
               meta: dict[str, Any] | None = None, **context: Any) -> None:
        self.links.current = path
        body = self.env.get_template(template).render(
            d=self.design, report=self.report, links=self.links, options=self.options,
            title=title, rules=self.rules, api_link=self.api_link, marks=self.marks,
            drawable=drawable, max_chars=f"{MAX_DIAGRAM_CHARS:,}",
            **context,
        )
        self.site.pages.append(SitePage(path, title, body, svg, meta or {}))

    def build(self) -> Site:
        d, links = self.design, self.links
        holders = _permission_holders(d)
        by_resource = _group(d.endpoints, lambda e: e.resource or (e.tags[0] if e.tags else ""))
        uncovered = set(self.trace["uncovered"])
        gate = self.options.gate if isinstance(self.options.gate, dict) else None
        not_evaluated = self.options.gate if isinstance(self.options.gate, str) else None
        self.render("overview.md.j2", links.page("index"), f"{d.project.name}",
                    counts=_counts(self.report, self.trace, gate), gate=gate,
                    not_evaluated=not_evaluated, halted=self.report.halted)
        guide = self.options.guide_dir
        self.render("gate.md.j2", links.page("gate"), "Gate", gate=gate,
                    not_evaluated=not_evaluated, halted=self.report.halted,
                    package=review_package(self.report), span=Span,
                    rule_link=self._rule_link,
                    guide_gate=Markup(posixpath.relpath(posixpath.join(guide.strip("/"),
                                                                       "gate.md"),
                                                        posixpath.dirname(links.page("gate"))))
                    if guide else None)
        self.render("changes.md.j2", links.page("changes"), "Changes",
                    diff=self.marks.diff,
                    not_compared=self.options.changes
                    if isinstance(self.options.changes, str) else None,
                    levels=[(Level.BREAKING, "Breaking"), (Level.WARNING, "Warnings"),
                            (Level.INFO, "Information")],
                    breaking=Level.BREAKING, impact_labels=IMPACT_LABELS,
                    base_commit=self.options.changes_base,
                    endpoint_of=self.marks.endpoint_of(),
                    check_link=self._check_link)
        self.render("endpoints.md.j2", links.page("endpoints"), "Endpoint inventory",
                    meta=WIDE, by_resource=by_resource,
                    callers={e.id: self._holders(e) for e in d.endpoints},
                    titles=self._titles)
        self.render("traceability.md.j2", links.page("traceability"), "Traceability", meta=WIDE,
                    trace=self.trace, uncovered=uncovered,
                    endpoints_by_fr=_endpoints_by_fr(d), grid=_grid(d))
        self._api()
        tables = sorted(d.tables.values(), key=lambda t: t.name)
        users = _table_users(d)
        self.render("database.md.j2", links.page("database/index"), "Database",
                    tables=tables, erd=er_diagram(d, tables), used_by=users)
        for table in tables:
            hop = neighbours(d, table)
            self.render("table.md.j2", links.page(f"database/{text.anchor(table.name)}"),
                        table.name, table=table, used_by=users.get(table.name, []),
                        hop=hop, hop_erd=er_diagram(d, hop),
                        policies=[p for p in d.policies if p.table == table.name],
                        referenced_by=_referenced_by(d, table),
                        ddl=_sql_or_refusal(lambda table=table: "\n\n".join(
                            st.render() for st in sql.table_sql(d, table))))
        verify = self.options.verify
        rls = (verify or {}).get("rls") or {}
        cells = {(c.get("role"), c.get("table"), c.get("command")): c
                 for c in rls.get("cells", []) if isinstance(c, dict)}
        roles = [str(r) for r in rls.get("roles", [])]
        rls_lines = [Markup("| Table | " + " | ".join(text.escape(r) for r in roles) + " |"),
                     Markup("|---|" + "---|" * len(roles))]
        rls_lines += [Markup(f"| <code>{text.escape(str(t))}</code> | "
                             + " | ".join(_rls_marks(cells, r, str(t)) for r in roles) + " |")
                      for t in rls.get("tables", [])]
        self.render("auth.md.j2", links.page("auth"), "Auth", meta=WIDE, holders=holders,
                    permissions=sorted(set(d.permissions) | _used_permissions(d)),
                    inherited=_inherited(d), rls_sql=self.rls_sql, verify=verify,
                    rls_lines=rls_lines, span=Span)
        self.render("integrations.md.j2", links.page("integrations"), "Integrations",
                    api_schemas=set((self.openapi.get("components") or {}).get("schemas") or {}))
        self.links.current = links.page("prioritization")
        chart = impact_effort_svg(
            d.endpoints, link=lambda e: self.links.url("endpoints", f"ep-{text.anchor(e.id)}"))
        self.render("prioritization.md.j2", links.page("prioritization"), "Prioritization",
                    svg=True, chart=Markup(chart), quadrants=_quadrants(d), order=SEQUENCE)
        self.links.current = links.page("migrations")
        self.render("migrations.md.j2", links.page("migrations"), "Migration plan",
                    steps={m.id: [_step_view(d, s, self.links) for s in m.steps]
                           for m in d.migrations})
        self.render("findings.md.j2", links.page("findings"), "Findings",
                    findings=self.report.findings, waived=self.report.waived,
                    rule_link=self._rule_link)
        self._files()
        self._guide()
        self.site.nav = self._nav(tables)
        return self.site

    def _api_pages(self) -> dict[str, str]:
        """Tag → page name under ``api/`` (one page of the API reference per resource)."""
        names: dict[str, str] = {}
        for tag in split_by_tag(self.openapi):
            name = text.anchor(tag.lower()) if tag else "other"
            while name in ("index", "schemas") or name in names.values():
                name += "-operations"
            names[tag] = name
        return names

    def api_link(self, endpoint_id: str) -> Markup:
        """Markdown link target of an endpoint's API reference entry, from the current page."""
        name = self.api_page_of.get(endpoint_id)
        if name is None:
            return self.links.md("api/index")
        return self.links.md(f"api/{name}", f"op-{endpoint_id}")

    def _api(self) -> None:
        names = self.api_page_of_tag
        tags = {t.get("name"): t for t in self.openapi.get("tags", []) if isinstance(t, dict)}

        def schemas_url(tag: str) -> str:
            self.links.current = self.links.page(f"api/{names[tag]}")
            return str(self.links.url("api/schemas"))

        def index_url(tag: str) -> str:
            self.links.current = self.links.page(f"api/{names[tag]}")
            return str(self.links.url("api/index"))

        pages, schemas_md = api_pages(self.openapi, schemas_url, self.options.templates_dir,
                                      self.site.warnings, self._review, self._schema_source,
                                      index_url)
        groups = split_by_tag(self.openapi)
        self.render("api.md.j2", self.links.page("api/index"), "API reference",
                    groups=groups, names=names, tags=tags,
                    headers={n: h for n, h in ((self.openapi.get("components") or {})
                                               .get("headers") or {}).items()
                             if isinstance(h, dict)},
                    reference_version=self.openapi.get("openapi", ""))
        for tag, markdown in pages.items():
            self.render("api_tag.md.j2", self.links.page(f"api/{names[tag]}"),
                        tag or "Other operations", tag=tag, info=tags.get(tag, {}),
                        reference=Markup(markdown), count=len(groups[tag]),
                        operations=[(str(op.get("operationId")), f"{m.upper()} {path}")
                                    for m, path, op in groups[tag]])
        self.render("api_schemas.md.j2", self.links.page("api/schemas"), "Schemas",
                    reference=Markup(schemas_md))

    def _review(self, tag: str, operation_id: str) -> Markup:
        """Under an operation of the API reference: who may call it (the permission and the
        roles that hold it, inherited ones marked), the requirements it serves with their
        titles, and the line of the design that defines it."""
        ep = self._endpoints.get(operation_id)
        if ep is None:
            return Markup("")
        self.links.current = self.links.page(f"api/{self.api_page_of_tag[tag]}")
        return Markup(self.env.get_template("_review.md.j2").render(
            e=ep, links=self.links, holders=self._holders(ep),
            titles=self._titles))

    def _schema_source(self, name: str) -> Markup:
        schema = self.design.schemas.get(name)
        self.links.current = self.links.page("api/schemas")
        return self.links.source(schema.loc) if schema is not None else Markup("")

    def _holders(self, ep: Endpoint) -> list[tuple[str, bool]]:
        """The roles that may call ``ep``, each with whether it holds the permission only
        through a role it inherits."""
        if not ep.permission or ep.public:
            return []
        d = self.design
        return [(r, ep.permission not in d.roles[r].permissions)
                for r in d.holders(ep.permission) if r in d.roles]

    def _api_title(self, tag: str) -> str:
        return _nav_title(tag or "Other operations")

    def _guide_link(self, page: str, frag: str) -> Markup:
        """A link target into the guide's ``page`` from the current page (empty: no guide)."""
        guide = self.options.guide_dir
        if not guide:
            return Markup("")
        target = posixpath.join(guide.strip("/"), page)
        rel = posixpath.relpath(target, posixpath.dirname(self.links.current) or ".")
        return Markup(f"{rel}#{frag}")

    def _check_link(self, change_id: str) -> Markup:
        """The change check's entry in the guide's change-checks page."""
        return self._guide_link("change-checks.md", text.anchor("check", change_id))

    def _rule_link(self, rule_id: str) -> Markup:
        if rule_id not in self.rules:
            return Markup("")
        return self._guide_link("rules.md", text.anchor(rule_id.lower()))

    def _files(self) -> None:
        base = self.links.base
        doc = self.openapi
        self.site.files += [
            SiteFile(posixpath.join(base, "openapi.yaml"), dump_yaml(doc)),
            SiteFile(posixpath.join(base, "openapi.json"),
                     json.dumps(doc, indent=2, ensure_ascii=False) + "\n"),
            SiteFile(posixpath.join(base, "traceability.json"),
                     json.dumps(self.trace, indent=2, ensure_ascii=False) + "\n"),
            SiteFile(posixpath.join(base, "schema.sql"),
                     _sql_or_refusal(lambda: sql.schema_sql(self.design))),
            SiteFile(posixpath.join(base, "rls.sql"), self.rls_sql),
        ]

    def _guide(self) -> None:
        guide = self.options.guide_dir
        if not guide:
            return
        root = resources.files(GUIDE_PACKAGE)
        for rel, content in _walk_markdown(root):
            path = posixpath.join(guide.strip("/"), rel)
            self.site.pages.append(SitePage(path, _first_heading(content), content))
        self.links.current = posixpath.join(guide.strip("/"), "rules.md")
        families: dict[str, list[Rule]] = {}
        for rule in self.rules.values():
            families.setdefault(rule.family, []).append(rule)
        self.render("rules.md.j2", self.links.current, "Rule reference",
                    families=families, family_letters={v: k for k, v in FAMILIES.items()})
        from designgate.diff.report import catalog_markdown

        self.site.pages.append(SitePage(posixpath.join(guide.strip("/"), "change-checks.md"),
                                        "Change checks", catalog_markdown()))

    def _nav(self, tables: list[Table]) -> list[dict[str, Any]]:
        p = self.links.page
        resources = _listed([{self._api_title(tag): p(f"api/{name}")}
                             for tag, name in self.api_page_of_tag.items()])
        table_pages = _listed([{_nav_title(t.name): p(f"database/{text.anchor(t.name)}")}
                               for t in tables])
        design: list[Any] = [
            {"Overview": p("index")},
            {"Changes": p("changes")},
            {"Endpoint inventory": p("endpoints")},
            {"Traceability": p("traceability")},
            {"API reference": [p("api/index"), *resources, {"Schemas": p("api/schemas")}]},
            {"Database": [p("database/index"), *table_pages]},
            {"Auth": p("auth")},
            {"Integrations": p("integrations")},
            {"Prioritization": p("prioritization")},
            {"Migration plan": p("migrations")},
            {"Gate": p("gate")},
            {"Findings": p("findings")},
        ]
        nav: list[dict[str, Any]] = [{"Design": design}]
        guide = self.options.guide_dir
        if guide:
            g = guide.strip("/")
            pages = {pg.path: pg for pg in self.site.pages if pg.path.startswith(g + "/")}
            order = {"index.md": "Design sources", "getting-started.md": "Getting started",
                     "cli.md": "The command line", "gate.md": "The design gate",
                     "output-formats.md": "Output formats", "changes.md": "Change review"}
            entries: list[Any] = [{title: posixpath.join(g, o)} for o, title in order.items()
                                  if posixpath.join(g, o) in pages]
            fmt = sorted(k for k in pages if k.startswith(posixpath.join(g, "format") + "/"))
            if fmt:
                entries.append({"Format reference": [{pages[k].title: k} for k in fmt]})
            entries.append({"Rule reference": posixpath.join(g, "rules.md")})
            entries.append({"Change checks": posixpath.join(g, "change-checks.md")})
            nav.append({"Guide": entries})
        return nav


def _rls_marks(cells: dict[tuple[Any, Any, Any], dict[str, Any]], role: str,
               table: str) -> Markup:
    """``SIUD`` for one role and table: a failed command's letter struck out."""
    out = []
    for command in sql.COMMANDS:
        cell = cells.get((role, table, command))
        letter = command[0].upper()
        if cell is None:
            out.append("·")
        elif cell.get("ok"):
            out.append(letter)
        else:
            out.append(f'<del class="dg-missing">{letter}</del>')
    return Markup("".join(out))


def build_site(report: Report, options: SiteOptions | None = None) -> Site:
    """Every page of the design site for a checked design."""
    return _Builder(report, options or SiteOptions()).build()


# --- derived views -----------------------------------------------------------------------


@dataclass(slots=True)
class ChangeMarks:
    """The changes since the approved baseline, by the page items they concern."""

    diff: DesignDiff | None = None
    #: change → its anchor on the Changes page (unique, from its fingerprint).
    anchors: dict[int, str] = field(default_factory=dict)
    #: endpoint id → the changes made to it (its operation, as head or base has it).
    endpoints: dict[str, list[Change]] = field(default_factory=dict)
    #: table name → the changes made to it (columns, indexes, constraints, its policies).
    tables: dict[str, list[Change]] = field(default_factory=dict)
    #: endpoint id / table name → the upstream changes that make it suspect (re-audit).
    suspect_endpoints: dict[str, list[Change]] = field(default_factory=dict)
    suspect_tables: dict[str, list[Change]] = field(default_factory=dict)
    _ops: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, diff: DesignDiff | None, design: Design) -> ChangeMarks:
        marks = cls(diff)
        if diff is None:
            return marks
        ops = {f"{e.method.upper()} {e.path}": e.id for e in design.endpoints}
        marks._ops = ops
        seen: set[str] = set()
        for c in diff.changes:
            name = f"ch-{c.fingerprint}"
            n = 1
            while name in seen:
                n += 1
                name = f"ch-{c.fingerprint}-{n}"
            seen.add(name)
            marks.anchors[id(c)] = name
            if c.subject in ops:
                marks.endpoints.setdefault(ops[c.subject], []).append(c)
            elif c.subject.startswith("table "):
                marks.tables.setdefault(c.subject[6:], []).append(c)
            for s in c.suspects:
                if s in ops:
                    marks.suspect_endpoints.setdefault(ops[s], []).append(c)
                elif s.startswith("table "):
                    marks.suspect_tables.setdefault(s[6:], []).append(c)
        return marks

    def anchor(self, change: Change) -> Markup:
        return Markup(self.anchors.get(id(change), ""))

    def endpoint_of(self) -> dict[str, str]:
        """``METHOD /path`` → the head's endpoint id (for links from the Changes page)."""
        return dict(self._ops)

    def worst(self, changes: list[Change]) -> str:
        return str(max(c.level for c in changes)) if changes else ""



#: How the migration plan names each kind of step.
_STEP_LABELS = {"create_table": "create table", "drop_table": "drop table",
                "create_index": "create index", "drop_index": "drop index",
                "add_column": "add column", "drop_column": "drop column",
                "alter_column": "alter column", "enable_rls": "enable row-level security",
                "sql": "SQL"}


@dataclass(frozen=True, slots=True)
class StepView:
    """One migration step as the migration plan shows it."""

    label: str
    target: Markup  # what it acts on, linked to the table's page when the table exists
    up: str | None = None  # a raw SQL step's statements
    down: str | None = None


def _step_view(design: Design, step: Any, links: Links) -> StepView:
    def table(name: Any) -> Markup:
        name = str(name)
        code = Markup("<code>{}</code>").format(text.escape(name))
        if name not in design.tables:
            return code  # a dropped table has no page
        return Markup("[{}]({})").format(code, links.md(f"database/{text.anchor(name)}"))

    label = _STEP_LABELS.get(step.op, step.op.replace("_", " "))
    arg = step.arg
    if step.op == "sql" and isinstance(arg, dict):
        up, down = arg.get("up"), arg.get("down")
        return StepView(label, Markup("statements below"), str(up or ""),
                        str(down) if down else None)
    if step.op in ("create_index", "drop_index"):
        index = design.index_named(str(arg))
        name = Markup("<code>{}</code>").format(text.escape(str(arg)))
        return StepView(label, name + (Markup(" on ") + table(index.table) if index else ""))
    if isinstance(arg, dict):
        target = table(arg.get("table"))
        if arg.get("column") is not None:
            target += Markup(", column <code>{}</code>").format(text.escape(arg["column"]))
        if arg.get("change"):
            target += Markup(": ") + text.sentence(arg["change"])
        return StepView(label, target)
    return StepView(label, table(arg))


def _group(items: Iterable[Endpoint], key: Callable[[Endpoint], str]) -> list[tuple[str, list[Endpoint]]]:
    groups: dict[str, list[Endpoint]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.items())


def _permission_holders(design: Design) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for role in design.roles:
        for perm in design.role_permissions(role):
            out.setdefault(perm, set()).add(role)
    return {k: sorted(v) for k, v in out.items()}


def _inherited(design: Design) -> dict[str, set[str]]:
    """Role → permissions it holds only through inheritance."""
    return {name: design.role_permissions(name) - set(role.permissions)
            for name, role in design.roles.items()}


def _used_permissions(design: Design) -> set[str]:
    return {e.permission for e in design.endpoints if e.permission and not e.public}


def _endpoints_by_fr(design: Design) -> dict[str, list[Endpoint]]:
    out: dict[str, list[Endpoint]] = {}
    for ep in design.endpoints:
        for fr in dict.fromkeys(ep.fr_ids):
            out.setdefault(fr, []).append(ep)
    return out


#: The FR-ID x endpoint grid is drawn up to this many cells; beyond, the list view serves.
GRID_LIMIT = 20_000


def _grid(design: Design) -> dict[str, Any] | None:
    """The matrix's rows and columns; ``too_large`` (and no rows) above ``GRID_LIMIT``."""
    frs = [r.id for r in design.requirements if r.id]
    if not frs or not design.endpoints:
        return None
    cells = len(frs) * len(design.endpoints)
    if cells > GRID_LIMIT:
        return {"too_large": True, "frs": frs, "endpoints": [], "cells": f"{cells:,}",
                "limit": f"{GRID_LIMIT:,}", "count": len(design.endpoints)}
    return {"too_large": False, "frs": frs, "endpoints": design.endpoints}


def _table_users(design: Design) -> dict[str, list[Endpoint]]:
    out: dict[str, list[Endpoint]] = {}
    for ep in design.endpoints:
        for t in dict.fromkeys(ep.tables):
            out.setdefault(t, []).append(ep)
    return out


def _referenced_by(design: Design, table: Table) -> list[tuple[str, str]]:
    return [(t.name, c.name) for t in sorted(design.tables.values(), key=lambda t: t.name)
            for c in t.columns if c.references and c.references.table == table.name]


def _quadrants(design: Design) -> dict[str, list[Endpoint]]:
    out: dict[str, list[Endpoint]] = {q: [] for q in QUADRANT_ORDER}
    out["Unscored"] = []
    for ep in design.endpoints:
        out[ep.quadrant or "Unscored"].append(ep)
    for q in QUADRANT_ORDER:
        out[q].sort(key=lambda e: (-(e.impact or 0), e.effort or 0, e.id))
    return out


def _counts(report: Report, trace: dict[str, Any],
            gate: dict[str, Any] | None = None) -> dict[str, Any]:
    """The overview's figures; the open findings include the gate's (G004 blocking a
    contract change is an error of the design, though `check` does not see git)."""
    d = report.design
    gate_findings = [f for f in (gate or {}).get("findings", []) if isinstance(f, dict)]

    def gated(severity: Severity) -> int:
        return sum(1 for f in gate_findings if f.get("severity") == str(severity))

    reqs = trace["requirements"]
    in_scope = [r for r in reqs if r["in_scope"]]
    return {
        "requirements": len(reqs),
        "in_scope": len(in_scope),
        "covered": sum(1 for r in in_scope if r["endpoints"]),
        "endpoints": len(d.endpoints),
        "resources": len({e.resource for e in d.endpoints if e.resource}),
        "schemas": len(d.schemas),
        "tables": len(d.tables),
        "roles": len(d.roles),
        "permissions": len(d.permissions),
        "policies": len(d.policies),
        "webhooks": len(d.webhooks),
        "events": len(d.events),
        "third_parties": len(d.third_parties),
        "migrations": len(d.migrations),
        "errors": report.count(Severity.ERROR) + gated(Severity.ERROR),
        "warnings": report.count(Severity.WARNING) + gated(Severity.WARNING),
        "infos": report.count(Severity.INFO) + gated(Severity.INFO),
        "gate_findings": len(gate_findings),
        "waived": len(report.waived),
    }


#: Up to this many resource or table pages are listed in the navigation. Every page of the
#: site carries the whole navigation, so listing hundreds would make the site quadratic in
#: the design's size; beyond this, the index pages (API reference, Database) link to them.
NAV_ITEMS_LIMIT = 40


def _listed(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    return entries if len(entries) <= NAV_ITEMS_LIMIT else []


def _nav_title(name: str) -> str:
    # Themes print nav titles as HTML, unescaped, and mkdocs-material puts them into <title>
    # through `striptags`, which unescapes entities: so a title may hold no markup characters
    # at all, escaped or not.
    return " ".join(name.translate(_TITLE_UNSAFE).split()) or "untitled"


_TITLE_UNSAFE = {ord(c): " " for c in "<>&\"'`"}


def _walk_markdown(root: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            yield from _walk_markdown(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".md"):
            yield f"{prefix}{entry.name}", entry.read_text(encoding="utf-8")


def _first_heading(markdown: str) -> str:
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].replace("`", "").strip()
    return "Guide"


__all__ = ["Site", "SiteFile", "SiteOptions", "SitePage", "build_site"]
