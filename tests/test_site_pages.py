"""What a reviewer reads on the design site: every generated page free of raw syntax, of
literals of design values and of links to anchors that do not exist; and, page by page, the
defects found by reading the site as a reviewer (each test failed before its fix).

The page scan parses the built HTML itself (``html.parser``), independently of the site's own
anchor check (``render.anchors``), which ``mkdocs build --strict`` runs."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from designgate.model.design import Design
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from support import REPO, build_site, copy_scaffold, edit, main_text, make_site, page, synth


class _Page(HTMLParser):
    """The article of one built page: its ids, its links, its text outside code blocks and
    its table header cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.text: list[str] = []
        self.headers: list[str] = []
        self._article = self._pre = 0
        self._th: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(str(a[key]))
        if tag == "article":
            self._article += 1
        elif tag in ("pre", "script", "style"):
            self._pre += 1
        elif tag == "a" and a.get("href") and self._article:
            self.links.append(str(a["href"]))
        elif tag == "th" and self._article:
            self._th = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article -= 1
        elif tag in ("pre", "script", "style"):
            self._pre -= 1
        elif tag == "th" and self._th is not None:
            self.headers.append("".join(self._th).strip())
            self._th = None

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th.append(data)
        if self._article and not self._pre:
            self.text.append(data)


#: What must not reach a reader: Markdown table syntax left as text, a design value printed
#: as a Python or JSON literal, an escaped newline, sentences run together.
RAW = {
    "Markdown table syntax": re.compile(r"\|\s*:?-{3,}:?\s*\|"),
    "Python list": re.compile(r"\['[^'\]]*'(, '[^'\]]*')*\]"),
    "Python dict": re.compile(r"\{'[\w-]+': "),
    "JSON object": re.compile(r'\{"[\w$-]+": '),
    "escaped newline": re.compile(r"\\n"),
    "doubled full stop": re.compile(r"[a-z)]\.\.(?!\.)"),
    "sentences run together": re.compile(r"[\w)]\.(?:Serves|Timeout|Base URL|Sent when)"),
}


def problems(site: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """What a reader must not meet on the design pages of ``site`` (under ``design/``, but
    those under ``skip``): raw syntax, literals, empty headers, dead links and anchors."""
    pages: dict[Path, _Page] = {}
    for f in sorted(site.rglob("*.html")):
        parsed = _Page()
        parsed.feed(f.read_text(encoding="utf-8"))
        pages[f.resolve()] = parsed
    out: list[str] = []
    for f, p in pages.items():
        rel = f.relative_to(site.resolve()).as_posix()
        if not rel.startswith("design/") or rel.startswith(skip):
            continue
        text = " ".join(p.text)
        for name, rx in RAW.items():
            out += [f"{rel}: {name}: ...{text[max(0, m.start() - 50):m.end() + 50]}..."
                    for m in rx.finditer(text)]
        out += [f"{rel}: empty table header" for h in p.headers if not h]
        for href in p.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("/", "mailto:")):
                continue
            target = (f.parent / unquote(parts.path)).resolve() if parts.path else f
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                if target.is_relative_to(site.resolve()):
                    out.append(f"{rel}: dead link {href}")
                continue
            if parts.fragment and target in pages and \
                    unquote(parts.fragment) not in pages[target].ids:
                out.append(f"{rel}: dead anchor {href}")
    return out


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "site"
    build(load_config(str(REPO / "mkdocs.yml"), strict=True, site_dir=str(out)))
    return out


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    synth().generate(40, root)
    return build_site(make_site(root))


def test_no_page_of_the_example_shows_raw_syntax_literals_or_dead_anchors(
        example_site: Path) -> None:
    found = problems(example_site)
    assert not found, "\n".join(found[:40]) + f"\n({len(found)} in all)"


def test_no_page_of_a_synthetic_design_shows_raw_syntax_literals_or_dead_anchors(
        synthetic_site: Path) -> None:
    found = problems(synthetic_site)
    assert not found, "\n".join(found[:40]) + f"\n({len(found)} in all)"


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The page scan is not vacuous: each kind of defect in a page is reported."""
    site = tmp_path / "site"
    (site / "design").mkdir(parents=True)
    (site / "design" / "index.html").write_text(
        '<article><h2 id="here">x</h2><p>| --- | --- | claims [\'sub\', \'role\'] '
        '{"up": "A;\\nB"} commits..Serves FR-1.Timeout 10s.</p>'
        '<table><tr><th></th></tr></table><a href="#here">ok</a><a href="#gone">no</a>'
        '<a href="../design/">self</a><a href="missing/">nowhere</a>'
        '<pre>{"json": "in a code block is fine"}</pre></article>', encoding="utf-8")
    found = " ".join(problems(site))
    for name in ("Markdown table syntax", "Python list", "JSON object", "escaped newline",
                 "doubled full stop", "sentences run together", "empty table header",
                 "dead anchor #gone", "dead link missing/"):
        assert name in found, name
    assert "#here" not in found and "in a code block" not in found
    assert "dead link ../design/" not in found


# --- page by page --------------------------------------------------------------------------


def _article(site: Path, name: str) -> str:
    return main_text(page(site, name))


def test_integrations_sentences_and_the_third_party_operations_table(
        example_site: Path) -> None:
    html = _article(example_site, "integrations")
    assert "Sent when: POST /tasks commits. Serves" in re.sub(r"<[^>]+>", "", html)
    assert re.search(r"<td>sendEmailWithTemplate</td>", html)
    # Signing and retries are tables whose rows are headed by the setting.
    assert '<caption>Retries</caption>' in html
    assert '<th scope="row">Max attempts</th><td>8</td>' in html
    # A webhook's payload links to its schema in the API reference (not a bare $ref); an
    # event's, which the API reference does not hold, is shown whole.
    assert re.search(r'Payload:</strong> <a href="\.\./api/schemas/#taskwebhookevent">', html)
    assert '"$ref"' not in re.sub(r"<[^>]+>", "", html)
    assert "Payload schema ActivityRecordedEvent" in html


def test_migration_sql_steps_are_sql_and_targets_link_to_their_tables(
        example_site: Path) -> None:
    html = _article(example_site, "migrations")
    blocks = re.findall(r"<pre>(.*?)</pre>", html, re.S)
    sql = [re.sub(r"<[^>]+>", "", b) for b in blocks]
    assert any("CREATE EXTENSION IF NOT EXISTS citext;" in s for s in sql)
    assert any("CREATE ROLE anonymous NOLOGIN;\nCREATE ROLE authenticated" in s for s in sql)
    assert re.search(r'<td>create table</td>\s*<td><a href="\.\./database/users/"><code>users'
                     r'</code></a></td>', html)
    assert re.search(r'<td>create index</td>\s*<td><code>users_email_key</code> on <a href="'
                     r'\.\./database/users/">', html)


def test_auth_claims_read_as_a_list(example_site: Path) -> None:
    html = _article(example_site, "auth")
    assert '<th scope="row">Claims</th><td>sub, workspace_id, role</td>' in html


def _operation(site: Path, tag_page: str, op_id: str) -> str:
    html = _article(site, f"api/{tag_page}")
    start = html.index(f'id="op-{op_id}"')
    end = html.find('<hr class="operation-separator"', start)
    return html[start:end if end > 0 else None]


def test_an_operation_says_who_may_call_it_and_what_it_serves(example_site: Path) -> None:
    op = _operation(example_site, "tasks", "getTask")
    text = re.sub(r"<[^>]+>", "", op)
    assert ("Who may call it: permission tasks:read, held by guest, member (inherited), "
            "admin (inherited), owner (inherited).") in text
    assert "Serves: FR-006" in text
    assert re.search(r"Defined at design/api/tasks\.yaml:\d+", text)
    assert 'href="../../auth/#perm-tasks-read"' in op


def test_the_security_scheme_is_not_a_parameter_and_errors_show_their_body(
        example_site: Path) -> None:
    op = _operation(example_site, "tasks", "getTask")
    assert "bearerAuth" not in op and "Refer to the common response" not in op
    parameters = re.findall(r'<td class="parameter-name"><code>([^<]+)</code>', op)
    assert parameters == ["taskId"]
    # The 403 tab holds the problem+json example of the shared Forbidden response.
    examples = [re.sub(r"<[^>]+>", "", b) for b in re.findall(r"<pre>(.*?)</pre>", op, re.S)]
    bodies = [json.loads(e) for e in examples if '"status"' in e]
    assert {b["status"] for b in bodies} >= {400, 401, 403, 404}


def test_parameter_descriptions_keep_their_code_spans(tmp_path: Path) -> None:
    design = copy_scaffold(tmp_path)
    edit(design / "api" / "notes.yaml", "description: Only notes with this tag.",
         "description: Only notes with this tag (as in `tag`).")
    op = _operation(build_site(make_site(tmp_path)), "notes", "listNotes")
    assert "Only notes with this tag (as in <code>tag</code>)." in op
    assert "`tag`" not in op


def test_schemas_show_required_enum_values_bounds_and_examples(example_site: Path) -> None:
    html = _article(example_site, "api/schemas")
    status = html[html.index('id="taskstatus"'):]
    status = status[:status.index("<h3")]
    assert "one of <code>todo</code>, <code>in_progress</code>, <code>in_review</code>, " \
           "<code>done</code>" in status
    task = html[html.index('id="task"'):]
    task = task[:task.index("<h3")]
    row = re.search(r"<td><code>title</code></td>(.*?)</tr>", task, re.S)
    assert row and re.findall(r"<td>(.*?)</td>", row.group(1), re.S)[1:3] == [
        "yes", "1–200 characters"]
    # A property whose type is a named enum shows that enum's values.
    row = re.search(r"<td><code>status</code></td>(.*?)</tr>", task, re.S)
    assert row and "one of <code>todo</code>" in row.group(1)


def test_overview_counts_the_gates_findings(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from designgate.cli.main import cli
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    approved = CliRunner().invoke(cli, ["gate", "record", "approve", "--reviewer", "R <r@x>"])
    assert approved.exit_code == 0, approved.output
    edit(repo.design / "api" / "notes.yaml", "max_page_size: 100", "max_page_size: 50")
    repo.commit("Design: smaller pages")
    html = _article(build_site(make_site(repo.path)), "index")
    assert '<th scope="row">Errors</th><td>1</td>' in html  # G004: check alone sees none
    assert "1 of them come from the" in html


def test_a_dead_anchor_fails_the_strict_build(tmp_path: Path) -> None:
    copy_scaffold(tmp_path)
    templates = tmp_path / "overrides"
    templates.mkdir()
    source = (Path(__file__).resolve().parent.parent / "plugins" / "designgate" / "render" /
              "templates" / "findings.md.j2").read_text(encoding="utf-8")
    (templates / "findings.md.j2").write_text(
        source + '\n<p><a href="#nowhere">a link to nothing</a></p>\n', encoding="utf-8")
    cfg = make_site(tmp_path, plugin=f"      templates_dir: {templates}\n")
    with pytest.raises(Abort):
        build_site(cfg)
    build_site(cfg, strict=False)  # the same site builds when not strict


# --- at scale ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_design(tmp_path_factory: pytest.TempPathFactory) -> Design:
    """A 1,000-endpoint synthetic design (200 tables)."""
    from designgate import load_design

    return load_design(synth().generate(1000, tmp_path_factory.mktemp("large"))).design


def _pages(design_dir: Path) -> dict[str, str]:
    """The generated pages (Markdown, before MkDocs) of a design."""
    from designgate import check_design
    from designgate.render.site import SiteOptions
    from designgate.render.site import build_site as render

    site = render(check_design(design_dir), SiteOptions(mermaid=True))
    return {p.path: p.markdown for p in site.pages}


def _entities(markdown: str) -> set[str]:
    source = markdown.split('<pre class="mermaid"><code>', 1)[1].split("</code></pre>", 1)[0]
    return set(re.findall(r"^    (\w+) \{$", html.unescape(source), re.M))


def _one_hop(design: Design, name: str) -> set[str]:
    table = design.tables[name]
    refs = {c.references.table for c in table.columns if c.references is not None}
    refs |= {fk.table for fk in table.foreign_keys}
    back = {o.name for o in design.tables.values()
            if any(c.references is not None and c.references.table == name for c in o.columns)
            or any(fk.table == name for fk in o.foreign_keys)}
    return {name} | refs | back


def test_two_hundred_tables_are_too_many_for_mermaid_but_each_neighbourhood_is_not(
        large_design: Design) -> None:
    from designgate.render.erd import drawable, er_diagram, neighbours

    whole = er_diagram(large_design)
    # Mermaid refuses a source over its default maxTextSize of 50,000 characters.
    assert len(large_design.tables) > 150 and len(whole) > 50_000 and not drawable(whole)
    small = [t for t in large_design.tables.values() if len(_one_hop(large_design, t.name)) < 10]
    assert len(small) > 150
    for table in small:
        hop = neighbours(large_design, table)
        assert {t.name for t in hop} == _one_hop(large_design, table.name)
        assert drawable(er_diagram(large_design, hop))


def test_a_diagram_too_large_is_a_notice_and_table_pages_draw_their_neighbourhood(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from designgate import load_design
    from designgate.render import erd

    design = load_design(REPO / "design").design
    monkeypatch.setattr(erd, "MAX_DIAGRAM_CHARS", len(erd.er_diagram(design)) - 1)
    pages = _pages(REPO / "design")
    database = pages["design/database/index.md"]
    assert 'class="mermaid"' not in database and "too many for one diagram" in database
    for name in design.tables:
        markdown = pages[f"design/database/{name}.md"]
        want = _one_hop(design, name)
        if len(want) > 1:
            assert _entities(markdown) == want, name
        else:
            assert 'class="mermaid"' not in markdown


def test_a_matrix_too_large_to_show_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from designgate.render import site

    monkeypatch.setattr(site, "GRID_LIMIT", 100)  # the example: 38 endpoints x 15 FR-IDs
    trace = _pages(REPO / "design")["design/traceability.md"]
    assert "The endpoints × requirements matrix is not drawn" in trace
    assert "38 endpoints by 15 requirements make 570 cells" in trace
    assert "dg-matrix" not in trace


# --- who may call it, and where it is written -----------------------------------------------


def test_the_inventory_names_the_roles_the_requirement_titles_and_the_yaml_line(
        example_site: Path) -> None:
    html = _article(example_site, "endpoints")
    row = re.search(r'<tr>\s*<td><a id="ep-getTask">.*?</tr>', html, re.S)
    assert row
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    headers = re.findall(r"<th>(.*?)</th>", html[:html.index('id="ep-getTask"')], re.S)[-7:]
    assert headers == ["Endpoint", "Roles", "Serves", "Quadrant", "Permission", "Pagination",
                       "Summary"]
    roles = re.sub(r"<[^>]+>", "", cells[1])
    assert roles == "guest, memberi, admini, owneri"  # i: inherited (a superscript)
    assert 'title="Tasks"' in cells[2]
    assert re.search(r"tasks\.yaml:\d+", cells[6])


def test_policies_and_schemas_say_where_they_are_defined(example_site: Path) -> None:
    auth = _article(example_site, "auth")
    policy = auth[auth.index('id="policy-tasks_select"'):]
    assert re.search(r"Defined at <code>design/auth\.yaml:\d+:\d+</code>", policy[:3000])
    schemas = _article(example_site, "api/schemas")
    task = schemas[schemas.index('id="task"'):]
    assert re.search(r"Defined at <code>design/schemas/tasks\.yaml:\d+:\d+</code>", task[:800])


def test_long_paths_may_wrap_after_each_slash(example_site: Path) -> None:
    html = _article(example_site, "endpoints")
    assert "/<wbr>tasks/<wbr>" in html


def test_source_links_come_from_the_origin_remote_at_the_commit_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.git("remote", "add", "origin", "git@github.com:acme/notes.git")
    head = repo.git("rev-parse", "HEAD").strip()
    built = _article(build_site(make_site(repo.path)), "endpoints")
    want = f'href="https://github.com/acme/notes/blob/{head}/design/api/notes.yaml#L'
    assert want in built
    # The same for the pages written for Zensical.
    monkeypatch.chdir(repo.path)
    from click.testing import CliRunner
    from designgate.cli.main import cli

    result = CliRunner().invoke(cli, ["pages", "design", "--out", "out", "--no-gate"])
    assert result.exit_code == 0, result.output
    assert want in html.unescape((repo.path / "out" / "endpoints.md").read_text("utf-8"))
