"""The design site: a real `mkdocs build --strict` of designs, and what its pages say.

Browser checks (rendering, console, requests, search) live in ``test_browser.py``; these
tests read the built HTML.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from designgate import load_design
from designgate.render import text
from designgate.render.erd import er_diagram
from designgate.render.site import Links, SiteOptions
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from support import REPO, build_site, copy_scaffold, edit, line_of, main_text, make_site, page

PAGES = ("index", "changes", "endpoints", "traceability", "api", "database", "auth", "integrations",
         "prioritization", "migrations", "gate", "findings")


# --- the example design --------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own site (mkdocs.yml at the root), built strict."""
    out = tmp_path_factory.mktemp("example") / "site"
    config = load_config(str(REPO / "mkdocs.yml"), strict=True, site_dir=str(out))
    build(config)
    return out


def test_example_site_has_every_page(example_site: Path) -> None:
    design = load_design(REPO / "design").design
    for name in PAGES:
        assert page(example_site, name)
    for table in design.tables:
        assert (example_site / "design" / "database" / text.anchor(table) / "index.html").is_file()
    assert (example_site / "guide" / "rules" / "index.html").is_file()
    assert (example_site / "guide" / "format" / "endpoints" / "index.html").is_file()
    assert (example_site / "assets" / "designgate" / "designgate.css").is_file()


def test_every_endpoint_is_in_the_inventory_and_the_api_reference(example_site: Path) -> None:
    design = load_design(REPO / "design").design
    inventory = page(example_site, "endpoints")
    api = "".join(p.read_text("utf-8") for p in (example_site / "design" / "api").rglob("*.html"))
    for ep in design.endpoints:
        assert f'id="ep-{ep.id}"' in inventory, ep.id
        assert re.search(rf'href="\.\./api/[a-z0-9-]+/#op-{ep.id}"', inventory), ep.id
        assert f'id="op-{ep.id}"' in api, ep.id


def test_contract_is_downloadable_and_identical_to_the_build(example_site: Path) -> None:
    from designgate.generate.openapi import build_openapi

    design = load_design(REPO / "design").design
    served = yaml.safe_load((example_site / "design" / "openapi.yaml").read_text("utf-8"))
    assert served == build_openapi(design).document
    as_json = json.loads((example_site / "design" / "openapi.json").read_text("utf-8"))
    assert as_json == served
    trace = json.loads((example_site / "design" / "traceability.json").read_text("utf-8"))
    assert trace["uncovered"] == []
    assert 'href="../openapi.yaml"' in page(example_site, "api")
    schemas = (example_site / "design" / "api" / "schemas" / "index.html").read_text("utf-8")
    for name in served["components"]["schemas"]:
        assert f'id="{name.lower()}"' in schemas, name


def test_overview_counts_and_read_back(example_site: Path) -> None:
    html = main_text(page(example_site, "index"))
    assert "Teamboard" in html
    assert "38</a> in 11 resources" in html
    assert "Read-back" in html and "02-product-design" in html
    assert "D-01" in html and "RFI-01" in html
    # The gate from this repository's git history (or why it could not be evaluated).
    assert re.search(r'class="dg-gate dg-gate-(draft|in-review|revise|approved|escalated|'
                     r'halted|unknown)"', html)


def test_database_pages(example_site: Path) -> None:
    db = main_text(page(example_site, "database"))
    # Either Mermaid renders it (a local script is configured) or its source is shown.
    assert "erDiagram" in db
    assert "workspaces ||--o{ projects" in db.replace("&#123;", "{")
    tasks = main_text((example_site / "design" / "database" / "tasks" / "index.html")
                      .read_text("utf-8"))
    assert 'id="col-assignee_id"' in tasks
    assert "<code>Task.title</code>" in tasks or "Task.title" in tasks
    assert "idx_tasks" in tasks or "Indexes" in tasks
    assert 'href="../../endpoints/#ep-listTasks"' in tasks
    assert "Stores the data-dictionary entity <strong>Task</strong>" in tasks
    # A join table has no entity: the page names the relationship it stores.
    join = main_text((example_site / "design" / "database" / "task_labels" / "index.html")
                     .read_text("utf-8"))
    assert ("The join table of the many-to-many relationship between <strong>Task</strong> "
            "and <strong>Label</strong>.") in join


def test_auth_page_matrix_and_policies(example_site: Path) -> None:
    design = load_design(REPO / "design").design
    html = main_text(page(example_site, "auth"))
    for perm in design.permissions:
        assert f'id="perm-{text.anchor(perm)}"' in html
    for policy in design.policies:
        assert f'id="policy-{text.anchor(policy.name)}"' in html
    assert html.count("●") + html.count("○") >= sum(len(r.permissions) for r in design.roles.values())


def test_integrations_prioritization_migrations(example_site: Path) -> None:
    design = load_design(REPO / "design").design
    html = main_text(page(example_site, "integrations"))
    for w in design.webhooks:
        assert f'id="webhook-{text.anchor(w.name)}"' in html
    for t in design.third_parties:
        assert f'id="third-party-{text.anchor(t.name)}"' in html
    prio = main_text(page(example_site, "prioritization"))
    assert "<svg" in prio and "Quick Wins" in prio
    order = [prio.index(label) for label in ("1. Quick Wins", "2. Major Projects",
                                             "3. Fill-Ins", "4. Thankless Tasks (deferred)")]
    assert order == sorted(order)
    mig = main_text(page(example_site, "migrations"))
    for m in design.migrations:
        assert f'id="migration-{text.anchor(m.id)}"' in mig


def test_rule_reference_lists_every_rule(example_site: Path) -> None:
    from designgate.rules.registry import all_rules

    html = (example_site / "guide" / "rules" / "index.html").read_text("utf-8")
    for rule in all_rules():
        assert f'id="{rule.id.lower()}"' in html, rule.id


def test_change_checks_page_lists_every_check_and_the_guide_links_resolve(
        example_site: Path) -> None:
    from designgate.diff.catalog import CATALOG

    html = (example_site / "guide" / "change-checks" / "index.html").read_text("utf-8")
    for cid in CATALOG:
        assert f"<code>{cid}</code>" in html, cid
    changes = (example_site / "guide" / "changes" / "index.html").read_text("utf-8")
    assert 'href="../change-checks/"' in changes


def test_clean_example_findings_page(example_site: Path) -> None:
    html = main_text(page(example_site, "findings"))
    # The example needs no waiver: endpoints that reach tables through another role say so
    # with runs_as, which A013 checks instead of waiving.
    assert "No open findings" in html and "No finding is waived" in html


# --- fixtures --------------------------------------------------------------------------------


def test_uncovered_requirements_are_highlighted(tmp_path: Path) -> None:
    design = copy_scaffold(tmp_path)
    prd = design / "prd.yaml"
    prd.write_text(prd.read_text("utf-8") + (
        "  - id: FR-090\n    title: Export notes\n    description: Download every note.\n"
        "    priority: P0\n    mvp: true\n"
        "  - id: FR-091\n    title: Share notes\n    description: Share a note by link.\n"
        "    priority: P0\n    mvp: false\n"
        "  - id: FR-092\n    title: Themes\n    description: Dark mode.\n"
        "    priority: P2\n    mvp: false\n"), encoding="utf-8")
    site = build_site(make_site(tmp_path, "      fail_on: never\n"), strict=False)
    html = main_text(page(site, "traceability"))
    # In scope (P0 in release mode full) without an endpoint: highlighted and listed.
    for fr in ("FR-090", "FR-091"):
        assert f'<span class="dg-uncovered" title="In scope, no endpoint">{fr}</span>' in html
    assert "FR-092</td>" in html.replace("\n", "")  # P2: out of scope, not highlighted
    assert '<span class="dg-uncovered"' not in html.split("FR-092")[1].split("</tr>")[0]
    assert "2 requirement(s) in scope have no endpoint" in html
    assert html.count('class="dg-uncovered-col"') >= 2


def test_findings_link_to_source_lines_and_rules(tmp_path: Path) -> None:
    design = copy_scaffold(tmp_path)
    edit(design / "api" / "notes.yaml", "    summary: List my notes\n",
         "    summary: List my notes\n    deprecated: true\n    impact: 9\n")
    site = build_site(make_site(
        tmp_path, "      fail_on: never\n      source_url: https://git.example/r/blob/main/{path}#L{line}\n"),
        strict=False)
    html = main_text(page(site, "findings"))
    assert re.search(r'<a class="dg-source" href="https://git.example/r/blob/main/'
                     r'design/api/notes.yaml#L\d+"><code>design/api/notes.yaml:\d+:\d+</code></a>',
                     html)
    assert 'href="../../guide/rules/#l' in html or 'href="../../guide/rules/#q' in html


def test_waived_findings_show_their_reason(tmp_path: Path) -> None:
    design = copy_scaffold(tmp_path)
    notes = design / "api" / "notes.yaml"
    edit(notes, "    summary: List my notes\n    description: Newest first; optionally only the notes "
         "with one tag.\n", "    summary: List my notes\n    waivers:\n      - rule: Q002\n"
         "        reason: Scored by the old 0-10 scale until the next review\n")
    edit(notes, "    impact: 5\n", "    impact: 9\n")
    site = build_site(make_site(tmp_path, "      fail_on: never\n"), strict=False)
    html = main_text(page(site, "findings"))
    assert "Scored by the old 0&#45;10 scale" in html or "Scored by the old 0-10 scale" in html
    assert "Q002" in html.split("Waived findings")[1]


def test_source_url_from_repo_url_and_edit_uri(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    design = tmp_path / "design"
    edit(design / "api" / "notes.yaml", "    summary: List my notes\n",
         "    summary: List my notes\n    impact: 9\n")
    site = build_site(make_site(tmp_path, "      fail_on: never\n",
                                "repo_url: https://github.com/acme/notes\nedit_uri: edit/main/docs/\n"),
                      strict=False)
    html = main_text(page(site, "findings"))
    assert 'href="https://github.com/acme/notes/blob/main/design/api/notes.yaml#L' in html


# --- safe rendering --------------------------------------------------------------------------

ATTACK = ('<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) '
          '<a href="javascript:alert(4)">link</a> {: onclick="alert(5)" } '
          '<svg onload=alert(6)> --8<-- "/etc/passwd" *em* `code`')
_TEXT_KEYS = re.compile(r"^(\s*(?:- )?(?:description|summary|title|text|decision|intent|question|"
                        r"purpose|trigger|resolution|note|serves|rollback)): (?![>|{\[])(.*)$", re.M)


def poison(design: Path) -> None:
    """Every one-line prose field of every design file gets the attack appended."""
    payload = json.dumps(ATTACK)[1:-1]
    for path in design.rglob("*.yaml"):
        src = path.read_text("utf-8")
        out = _TEXT_KEYS.sub(lambda m: f'{m.group(1)}: "{m.group(2).strip(chr(34))} {payload}"', src)
        path.write_text(out, encoding="utf-8")
    # Names and enum values too: a resource name, a property name with markup in it.
    edit(design / "api" / "notes.yaml", "  name: notes\n", '  name: "notes <img src=x onerror=alert(7)>"\n')


def test_design_text_cannot_include_files_through_snippets(tmp_path: Path) -> None:
    """pymdownx.snippets reads `--8<-- "file"` lines before anything else: in a site that
    enables it, a description (Markdown in the API reference) must not pull a file in."""
    design = copy_scaffold(tmp_path)
    (tmp_path / "secret.txt").write_text("TOP-SECRET-TOKEN\n", "utf-8")
    attack = "\n        ".join(['--8<-- "secret.txt"', ";--8<-- 'secret.txt'", "--8<--",
                                "secret.txt", "--8<--"])
    edit(design / "api" / "notes.yaml",
         "    description: Newest first; optionally only the notes with one tag.\n",
         f"    description: |-\n        Newest first.\n\n        {attack}\n")
    edit(design / "prd.yaml", "description: ", f"description: |-\n      {attack}\n      ", 1)
    cfg = make_site(tmp_path, extra="markdown_extensions:\n  - pymdownx.snippets:\n"
                                    f"      base_path: ['{tmp_path}']\n      check_paths: true\n")
    site = build_site(cfg, strict=False)
    pages = {p: p.read_text("utf-8") for p in site.rglob("*.html")}
    assert [p for p, html in pages.items() if "TOP-SECRET-TOKEN" in html] == []
    api = pages[site / "design" / "api" / "notes" / "index.html"]
    assert "--8&lt;-- &quot;secret.txt&quot;" in api or '--8&lt;-- "secret.txt"' in api
    assert ";--8&lt;-- 'secret.txt'" in api or ";--8&lt;-- &#x27;secret.txt&#x27;" in api


def test_a_schema_the_api_reference_cannot_render_is_a_notice(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A design with errors still builds under `fail_on: never` (as while editing under
    `serve`): a part of the API reference its renderer cannot cope with becomes a notice on
    its page and a warning in the log; the rest of the reference renders."""
    design = copy_scaffold(tmp_path)
    edit(design / "schemas" / "notes.yaml", "      id: {type: string, format: uuid, ",
         "      id: {type: string, format: true, ")
    edit(design / "schemas" / "notes.yaml",
         "    additionalProperties: false\n    properties:\n      title: {type: string, minLength: 1,"
         " maxLength: 200, description: Headline.}\n      body: {type: string,",
         "    additionalProperties: false\n    properties: 5\n    x-was:\n      title: {type: "
         "string, minLength: 1, maxLength: 200, description: Headline.}\n      body: {type: string,")
    with caplog.at_level("WARNING", logger="mkdocs.plugins.designgate"):
        site = build_site(make_site(tmp_path, "      fail_on: never\n"), strict=False)
    problems = [r.getMessage() for r in caplog.records if "API reference:" in r.getMessage()]
    assert problems == ["designgate: API reference: the schemas could not be rendered "
                        "(UndefinedError: 'int object' has no attribute 'items'); the design's "
                        "findings say what is wrong"]
    schemas = (site / "design" / "api" / "schemas" / "index.html").read_text("utf-8")
    assert "Not rendered" in schemas and "UndefinedError" in schemas
    # The operations still render; the format that is not a string is shown as text.
    notes = (site / "design" / "api" / "notes" / "index.html").read_text("utf-8")
    assert "Not rendered" not in notes and 'id="op-listNotes"' in notes
    with pytest.raises(Abort):
        build_site(make_site(tmp_path, "      fail_on: never\n"), strict=True)


class _Scan(HTMLParser):
    """Every element and attribute of a page, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value and \
                    re.sub(r"[\x00-\x20]", "", value).lower().startswith(("javascript:", "data:text")):
                self.bad.append(f"<{tag} {name}={value}>")


def test_markup_in_design_text_renders_inert(tmp_path: Path) -> None:
    design = copy_scaffold(tmp_path)
    poison(design)
    site = build_site(make_site(tmp_path, "      fail_on: never\n"), strict=False)
    pages = sorted((site / "design").rglob("*.html"))
    assert len(pages) >= len(PAGES)
    for path in pages:
        html = path.read_text("utf-8")
        assert_inert(path, html)
        assert "/etc/passwd" not in html or "--8&lt;--" in html or "&#45;&#45;8" in html \
            or "--8<--" not in main_text(html)
    # The text is shown as written, not lost: the attack is visible as literal text.
    overview = main_text(page(site, "index"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in overview
    assert "[click](javascript:alert(3))" in _unescape(overview)
    api = main_text((site / "design" / "api" / "notes-img-src-x-onerror-alert-7" / "index.html")
                    .read_text("utf-8"))
    # The API reference prints design text as text too (summaries, descriptions,
    # parameters), so its pages are safe without the sanitiser (as written for Zensical).
    assert "&lt;img src=x onerror=alert(7)&gt;" in api
    assert "[click](javascript:alert(3))" in _unescape(api) and "<a>click</a>" not in api


def assert_inert(path: Path, html: str) -> None:
    """No event handler, script URL or script of the design's in a built page: only the
    theme's scripts (files under assets/, and inline configuration)."""
    scan = _Scan()
    scan.feed(html)
    assert scan.bad == [], (path, scan.bad)
    for attrs in scan.scripts:
        src = attrs.get("src") or ""
        assert src == "" or "assets/" in src, (path, attrs)
    assert "alert(1)</script>" not in html


def _unescape(html: str) -> str:
    import html as h

    return h.unescape(re.sub(r"<[^>]+>", "", html))


# --- plugin behaviour ------------------------------------------------------------------------


def test_user_pages_are_never_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    copy_scaffold(tmp_path)
    cfg = make_site(tmp_path)
    (tmp_path / "docs" / "design").mkdir()
    (tmp_path / "docs" / "design" / "auth.md").write_text("# My own auth notes\n", "utf-8")
    site = build_site(cfg, strict=False)
    assert "My own auth notes" in page(site, "auth")
    assert "docs/design/auth.md exists" in caplog.text
    assert (tmp_path / "docs" / "design" / "auth.md").read_text("utf-8") == "# My own auth notes\n"
    assert sorted(p.name for p in (tmp_path / "docs").rglob("*")) == ["auth.md", "design", "index.md"]


def test_explicit_nav_gets_the_design_sections(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    cfg = make_site(tmp_path, extra="nav:\n  - Home: index.md\n")
    site = build_site(cfg)
    html = (site / "index.html").read_text("utf-8")
    assert "Endpoint inventory" in html and "Rule reference" in html


def test_pages_dir_guide_off_and_disabled(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    site = build_site(make_site(tmp_path, "      pages_dir: backend\n      guide: false\n"))
    assert (site / "backend" / "endpoints" / "index.html").is_file()
    assert not (site / "guide").exists()
    assert 'href="../api/notes/#op-listNotes"' in (site / "backend" / "endpoints" / "index.html").read_text("utf-8")
    shutil.rmtree(site)
    site = build_site(make_site(tmp_path, "      enabled: false\n"))
    assert not (site / "design").exists()


def test_templates_can_be_overridden(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    tpl = tmp_path / "overrides"
    (tpl / "oad" / "partial").mkdir(parents=True)
    (tpl / "migrations.md.j2").write_text(
        "# Migration plan\n\nOur own plan page for {{ d.project.name }}: "
        "{{ d.migrations | length }} step(s).\n", "utf-8")
    (tpl / "oad" / "partial" / "info.html").write_text("OUR-API-INFO\n", "utf-8")
    site = build_site(make_site(tmp_path, "      templates_dir: overrides\n"))
    assert "Our own plan page for Notes API: 2 step(s)." in page(site, "migrations")
    assert "OUR-API-INFO" not in page(site, "api")  # the split reference has no info part
    (tpl / "oad" / "partial" / "path-items.html").write_text("OUR-OPERATIONS\n", "utf-8")
    site = build_site(make_site(tmp_path, "      templates_dir: overrides\n"), strict=False)
    assert "OUR-OPERATIONS" in (site / "design" / "api" / "notes" / "index.html").read_text("utf-8")


def test_mermaid_script_is_served_locally(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    script = tmp_path / "vendor" / "mermaid.min.js"
    script.parent.mkdir()
    script.write_text("window.mermaid = window.mermaid || {};\n", "utf-8")
    site = build_site(make_site(tmp_path, "      mermaid_js: vendor/mermaid.min.js\n"))
    assert (site / "assets" / "designgate" / "mermaid.min.js").read_text("utf-8") == script.read_text("utf-8")
    db = page(site, "database")
    assert '<pre class="mermaid"><code>erDiagram' in db
    assert db.count('<script src="../../assets/designgate/mermaid.min.js"></script>') == 1
    # 3.5 MB of script: the pages without a diagram do not load it.
    without = [p.relative_to(site).as_posix() for p in sorted(site.rglob("*.html"))
               if 'class="mermaid"' not in p.read_text("utf-8")]
    assert "index.html" in without and "design/endpoints/index.html" in without
    assert [p for p in without
            if re.search(r'<script src="[^"]*mermaid\.min\.js"', (site / p).read_text("utf-8"))
            ] == []


def test_mermaid_script_on_every_page_with_instant_navigation(tmp_path: Path) -> None:
    """Instant navigation swaps pages without running their scripts: Material would then fetch
    Mermaid from a CDN for the diagram page, so every page loads the local one."""
    copy_scaffold(tmp_path)
    script = tmp_path / "mermaid.min.js"
    script.write_text("window.mermaid = window.mermaid || {};\n", "utf-8")
    cfg = make_site(tmp_path, "      mermaid_js: mermaid.min.js\n")
    cfg.write_text(cfg.read_text("utf-8").replace(
        "  font: false\n", "  font: false\n  features:\n    - navigation.instant\n"), "utf-8")
    site = build_site(cfg)
    for html in (page(site, "database"), page(site, "endpoints"),
                 (site / "index.html").read_text("utf-8")):
        assert html.count("assets/designgate/mermaid.min.js") == 1


def test_without_mermaid_the_diagram_source_is_shown(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    site = build_site(make_site(tmp_path))
    db = page(site, "database")
    assert 'class="mermaid"' not in db and "erDiagram" in db and "mermaid_js" in db
    assert "unpkg.com" not in db


def test_what_still_goes_online_is_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Two theme settings make Material reach other hosts; the build says which and why."""
    copy_scaffold(tmp_path)
    cfg = make_site(tmp_path, extra="repo_url: https://github.com/acme/notes\n")
    cfg.write_text(cfg.read_text("utf-8").replace("  font: false\n", ""), "utf-8")
    with caplog.at_level("INFO", logger="mkdocs.plugins.designgate"):
        build_site(cfg)
    assert "Material loads Google Fonts" in caplog.text
    assert "repo_url is on github.com: Material's header fetches" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO", logger="mkdocs.plugins.designgate"):
        build_site(make_site(tmp_path, extra="repo_url: https://git.example.com/acme/notes\n"))
    assert "Google Fonts" not in caplog.text and "repo_url is on" not in caplog.text


def test_missing_mermaid_file_is_one_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    copy_scaffold(tmp_path)
    with pytest.raises(Abort):
        build_site(make_site(tmp_path, "      mermaid_js: nowhere/mermaid.js\n"))
    assert "mermaid_js 'nowhere/mermaid.js' is not a file" in caplog.text


# --- units -----------------------------------------------------------------------------------


def test_text_escaping_defuses_markdown_and_html() -> None:
    out = text.inline("a <b> [x](javascript:y) {: onclick=z } `c<d>` *e* | f\nnext")
    assert "<b>" not in out and "[" not in out and "{" not in out and "|" not in out
    assert "<code>c&#60;d&#62;</code>" in out and "\n" not in out
    assert text.paragraphs("one\n\ntwo `x`").count("<p>") == 2
    assert text.anchor("tasks:read") == "tasks-read" and text.anchor("a b/c") == "a-b-c"
    assert "```" not in text.code_text("ok\n```\nbreak out").split("\n")[1][:3]


def test_links_between_pages() -> None:
    links = Links(SiteOptions())
    links.current = "design/prioritization.md"
    assert links.url("endpoints", "ep-x") == "../endpoints/#ep-x"
    assert links.url("index") == "../"
    links.current = "design/database/tasks.md"
    assert links.url("endpoints") == "../../endpoints/"
    assert links.md("auth", "perm-a") == "../auth.md#perm-a"
    flat = Links(SiteOptions(directory_urls=False))
    flat.current = "design/prioritization.md"
    assert flat.url("endpoints", "ep-x") == "endpoints.html#ep-x"
    assert flat.url("index") == "index.html"


def test_er_diagram_has_every_table_and_foreign_key() -> None:
    design = load_design(REPO / "design").design
    src = er_diagram(design)
    assert src.startswith("erDiagram\n")
    for table in design.tables:
        assert f"    {table} {{" in src
    fks = sum(1 for t in design.tables.values() for c in t.columns if c.references)
    # and the foreign keys over several columns (a task's project of the same workspace)
    fks += sum(len(t.foreign_keys) for t in design.tables.values())
    assert len(re.findall(r"--", src)) == fks
    assert 'projects ||--o{ tasks : "workspace_id, project_id"' in src


# --- the gate page ---------------------------------------------------------------------------


def test_gate_page_shows_the_state_from_git(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from designgate.cli.main import cli
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    poison = "<script>alert(1)</script>"
    repo.commit("Interventions", {
        "human-interventions/processed/2026-03-01-due/content.md":
            "---\nphase: all\nurgency: end-of-phase\n---\n# Due times " + poison + "\n",
        "human-interventions/active/2026-03-02-later.md":
            "---\nphase: 04-backend-design\nurgency: end-of-phase\ntitle: Later\n---\n",
    })
    monkeypatch.chdir(repo.path)
    revise = CliRunner().invoke(cli, ["gate", "record", "revise", "-m", "Rename " + poison])
    assert revise.exit_code == 0, revise.output
    repo.design_change("renamed")
    site = build_site(make_site(repo.path))
    html = main_text(page(site, "gate"))
    assert "dg-gate-in-review" in html
    assert "1 of 3" in html  # revision cycles
    assert "Rename &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Due times &lt;script&gt;" in html and "<script>" not in html
    assert "G002" in html and "Later" in html
    assert "No approval is recorded" in html
    # the answered REVISE named nothing the design has; its revision edited the project file
    answered = html[html.index("What each revision answered"):]
    assert "nothing recognised" in answered and "Project settings and version" in answered
    overview = main_text(page(site, "index"))
    assert "dg-gate-in-review" in overview and "revision cycles 1 of 3" in overview


def test_gate_page_lists_the_changes_since_the_approved_baseline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from designgate.cli.main import cli
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    approved = CliRunner().invoke(cli, ["gate", "record", "approve", "--reviewer", "R <r@x>"])
    assert approved.exit_code == 0, approved.output
    api = repo.design / "api" / "notes.yaml"
    edit(api, "max_page_size: 100", "max_page_size: 50")
    edit(repo.design / "prd.yaml", "title: ", "title: <script>x</script> ")
    repo.commit("Design: smaller pages")
    html = main_text(page(build_site(make_site(repo.path)), "gate"))
    assert "Changes since the approved baseline" in html
    assert "<code>pagination-max-page-size-decreased</code>" in html
    assert f"design/api/notes.yaml:{line_of(api, 'max_page_size: 50')}" in html
    assert "G004" in html
    assert "<script>x" not in html and "&lt;script&gt;x" in html


def test_changes_page_and_marks_on_the_endpoint_api_and_table_pages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from designgate.cli.main import cli
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    baseline = repo.git("rev-parse", "HEAD").strip()  # the commit the approval names
    approved = CliRunner().invoke(cli, ["gate", "record", "approve", "--reviewer", "R <r@x>"])
    assert approved.exit_code == 0, approved.output
    api, tables = repo.design / "api" / "notes.yaml", repo.design / "tables" / "notes.yaml"
    base_page_line = line_of(api, "max_page_size: 100")
    edit(api, "max_page_size: 100", "max_page_size: 50")
    edit(tables, "{name: body, type: text}", "{name: body, type: varchar(100)}")
    edit(repo.design / "prd.yaml", "title: Write notes", "title: Write <b>notes</b>")
    repo.commit("Design: smaller pages, shorter bodies")
    cfg = make_site(repo.path, "      source_url: https://git.example/o/r/blob/main/{path}#L{line}\n")
    site = build_site(cfg)
    html = page(site, "changes")
    body = main_text(html)
    assert "Breaking (" in body and body.index("Breaking (") < body.index("Warnings (")
    # each change: its check (linked to the catalog), both versions' lines (the base one at
    # the approved commit, the head one as built), and what a breaking change reaches
    lowered = body[body.index('id="ch-'):]
    assert "pagination-max-page-size-decreased" in lowered
    assert ('href="../../guide/change-checks/#check-pagination-max-page-size-decreased"'
            in body)
    assert (f'href="https://git.example/o/r/blob/{baseline}/design/api/notes.yaml'
            f'#L{base_page_line}"') in body
    # the head line at the commit being built, not at the branch (which moves on)
    head = repo.git("rev-parse", "HEAD").strip()
    assert (f"https://git.example/o/r/blob/{head}/design/api/notes.yaml"
            f"#L{line_of(api, 'max_page_size: 50')}") in body
    assert "blob/main/" not in body
    assert "column-type-narrowed" in body and "reaches:" in body
    assert "suspect until re-audited" in body  # FR-001's title changed
    assert "&lt;b&gt;notes&lt;/b&gt;" in body and "<b>notes</b>" not in body
    # the page's own anchors resolve (By item → each change)
    ids = set(re.findall(r'id="([^"]+)"', html))
    for frag in re.findall(r'href="#(ch-[^"]+)"', body):
        assert frag in ids
    # the marks: the endpoint inventory and the API reference badge what changed, the
    # table page lists its changes, each linked to the Changes page
    inventory = main_text(page(site, "endpoints"))
    assert "dg-changed-breaking" in inventory and "dg-suspect" in inventory
    assert re.search(r'href="\.\./changes/#ch-[0-9a-f]{12}"', inventory)
    notes_api = main_text((site / "design" / "api" / "notes" / "index.html").read_text("utf-8"))
    assert "Changed since the approved baseline" in notes_api and "dg-changed" in notes_api
    table = main_text((site / "design" / "database" / "notes" / "index.html").read_text("utf-8"))
    assert "Changed since the approved baseline" in table and "column-type-narrowed" in table
    users = main_text((site / "design" / "database" / "users" / "index.html").read_text("utf-8"))
    assert "Changed since the approved baseline" not in users


def test_changes_page_without_a_baseline_or_git_says_why(tmp_path: Path) -> None:
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    body = main_text(page(build_site(make_site(repo.path)), "changes"))
    assert "Not compared in this build" in body and "no approved baseline" in body
    outside = tmp_path / "plain"
    copy_scaffold(outside)
    body = main_text(page(build_site(make_site(outside)), "changes"))
    assert "Not compared in this build" in body and "not inside a git repository" in body


def test_gate_page_outside_git_says_why(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    site = build_site(make_site(tmp_path))
    html = main_text(page(site, "gate"))
    assert "Not evaluated in this build" in html and "is not inside a git repository" in html
    assert "BACKEND DESIGN COMPLETE" in html


# --- SQL on the site -------------------------------------------------------------------------


def test_table_pages_show_ddl_and_auth_shows_rls_sql_and_the_verify_matrix(tmp_path: Path) -> None:
    import json

    copy_scaffold(tmp_path)
    poison = "<script>alert(1)</script>"
    report = {
        "ok": False, "server": "15.18", "database": "x", "steps": [],
        "problems": [{"phase": "catalog", "message": "notes.body: type differs " + poison,
                      "file": "design/tables/notes.yaml", "line": 20, "column": 9}],
        "rls": {"ok": False, "roles": ["reader", "writer"], "tables": ["notes", "users"],
                "notes": [], "cells": [
                    {"role": "reader", "table": "notes", "command": "select", "ok": False,
                     "checks": 2, "failures": ["as principal 1: sees 3 row(s) " + poison],
                     "skipped": ""},
                    {"role": "writer", "table": "notes", "command": "select", "ok": True,
                     "checks": 2, "failures": [], "skipped": ""}]},
    }
    (tmp_path / "verify.json").write_text(json.dumps(report), encoding="utf-8")
    site = build_site(make_site(tmp_path, plugin="      verify_report: verify.json\n"))
    notes = main_text(page(site, "database/notes"))
    assert "CREATE</span> <span" in notes or "CREATE TABLE notes" in text_of(notes)
    assert "notes_author_id_fkey" in notes and "notes_author_created_idx" in notes
    auth = main_text(page(site, "auth"))
    assert "GRANT reader TO writer" in text_of(auth)
    assert '<del class="dg-missing">S</del>' in auth  # reader select on notes failed
    assert "sees 3 row(s) &lt;script&gt;" in auth and "<script>" not in auth
    assert "type differs &lt;script&gt;" in auth
    assert (site / "design" / "schema.sql").read_text(encoding="utf-8").startswith("-- Generated")
    assert "CREATE POLICY" in (site / "design" / "rls.sql").read_text(encoding="utf-8")


def test_a_missing_verify_report_stops_the_build(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    copy_scaffold(tmp_path)
    with pytest.raises(Abort):
        build_site(make_site(tmp_path, plugin="      verify_report: nope.json\n"))
    assert "verify_report 'nope.json' does not exist" in caplog.text


def text_of(html: str) -> str:
    """The page's text, tags removed (code blocks are split into highlighted spans)."""
    import html as h

    return h.unescape(re.sub(r"<[^>]+>", "", html))
