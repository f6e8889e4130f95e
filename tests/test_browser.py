"""The design site in a real browser: every page loads cleanly, offline, and renders safely.

A headless Chromium (the system's ``/usr/bin/chromium``, driven by Playwright; Playwright's own
browsers are never downloaded) visits the built sites served from a local HTTP server. A local
Mermaid script (``DESIGNGATE_MERMAID_JS``) renders the ER diagram. Without Playwright, Chromium
or Mermaid the module is skipped; with ``CI=true`` a missing one fails instead.

Full-page screenshots of the main design pages are saved to ``DESIGNGATE_ARTIFACTS`` (default
``test-artifacts/screenshots/``).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest
from designgate import load_design
from support import REPO, build_site, copy_scaffold, make_site
from test_site import PAGES, poison

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Dialog,
        Frame,
        Page,
        Request,
        Response,
        ViewportSize,
    )

#: Debian's Chromium here; GitHub's runners point this at their preinstalled Chrome.
CHROMIUM = Path(os.environ.get("DESIGNGATE_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
LOCAL_HOSTS = ("127.0.0.1", "localhost")
TIMEOUT_MS = 15_000


# --- environment ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mermaid_js() -> Path:
    """The local Mermaid script; skips (or, with CI=true, fails) when a browser need is missing."""
    missing: list[str] = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the 'playwright' Python package is not installed")
    if not CHROMIUM.is_file():
        missing.append(f"no Chromium at {CHROMIUM}")
    script = os.environ.get("DESIGNGATE_MERMAID_JS")
    if not script:
        missing.append("DESIGNGATE_MERMAID_JS (a local mermaid.min.js, `npm install mermaid@11`) "
                       "is not set")
    elif not (REPO / script).is_file():  # relative: to mkdocs.yml, as the plugin reads it
        missing.append(f"DESIGNGATE_MERMAID_JS={script} is not a file")
    if missing:
        reason = "browser tests need: " + "; ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: a missing browser dependency fails, never skips)",
                        pytrace=False)
        pytest.skip(reason)
    return (REPO / str(script)).resolve()


@pytest.fixture(scope="module")
def browser(mermaid_js: Path) -> Iterator[Browser]:
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a navigation that cancels a download breaks the pipe: not the site's fault


@contextmanager
def serve(root: Path, handler: type[SimpleHTTPRequestHandler] = _QuietHandler) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = _QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("DESIGNGATE_ARTIFACTS") or REPO / "test-artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- sites ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_site(mermaid_js: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own site (mkdocs.yml at the root, strict) with the local Mermaid."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    out = tmp_path_factory.mktemp("browser-example") / "site"
    old = os.environ.get("DESIGNGATE_MERMAID_JS")
    os.environ["DESIGNGATE_MERMAID_JS"] = str(mermaid_js)  # read by mkdocs.yml's !ENV
    try:
        config = load_config(str(REPO / "mkdocs.yml"), strict=True, site_dir=str(out))
        build(config)
    finally:
        if old is None:
            del os.environ["DESIGNGATE_MERMAID_JS"]
        else:
            os.environ["DESIGNGATE_MERMAID_JS"] = old
    assert (out / "assets" / "designgate" / "mermaid.min.js").is_file()
    return out


@pytest.fixture(scope="module")
def example_url(example_site: Path) -> Iterator[str]:
    with serve(example_site) as url:
        yield url


def fixture_site(root: Path, mermaid_js: Path, mutate: Callable[[Path], None]) -> Path:
    """The scaffold design, changed by ``mutate``, built (fail_on never) with Mermaid."""
    design = copy_scaffold(root)
    mutate(design)
    return build_site(make_site(root, f"      fail_on: never\n      mermaid_js: {mermaid_js}\n"),
                      strict=False)


def html_pages(site: Path) -> list[str]:
    """Site-relative URLs of every generated page: the home page, design/ and guide/ (no 404)."""
    urls = [""]
    for folder in ("design", "guide"):
        for path in sorted((site / folder).rglob("index.html")):
            urls.append(path.parent.relative_to(site).as_posix() + "/")
    return urls


def design_url(name: str) -> str:
    return "design/" if name == "index" else f"design/{name}/"


# --- a watched browser tab -----------------------------------------------------------------


@dataclass
class Watch:
    """What went wrong while the tab loaded the current page (reset per page)."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    #: documents the main frame has committed so far, and each request's document number
    documents: int = 0
    document_url: str = ""
    issued: dict[Request, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.problems.clear()
        self.requests.clear()
        self.issued.clear()

    def left_behind(self, req: Request) -> bool:
        """Whether ``req`` was issued by a document the tab has navigated away from (the
        browser cancels those: e.g. the favicon, which it fetches lazily after network idle,
        when the test moves on to the next page)."""
        return self.issued.get(req, -1) < self.documents


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or (
        parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS)


def watch_tab(page: Page) -> Watch:
    """Record the tab's console errors, page errors, dialogs (dismissed), failed requests and
    every request URL (a dedicated worker's requests, e.g. the search index, included)."""
    seen = Watch()

    def on_request(req: Request) -> None:
        seen.issued[req] = seen.documents
        seen.requests.append(req.url)
        if not _is_local(req.url):
            seen.problems.append(f"non-local request {req.url}")

    def on_failed(req: Request) -> None:
        if req.failure == "net::ERR_ABORTED" and seen.left_behind(req):
            return
        seen.problems.append(f"request failed {req.url}: {req.failure}")

    def on_navigated(frame: Frame) -> None:
        if frame == page.main_frame and frame.url.split("#")[0] != seen.document_url:
            seen.documents += 1
            seen.document_url = frame.url.split("#")[0]

    def on_response(res: Response) -> None:
        if res.status >= 400:
            seen.problems.append(f"HTTP {res.status} {res.url}")

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            seen.problems.append(f"console error: {msg.text} ({msg.location.get('url')})")

    def on_dialog(dialog: Dialog) -> None:
        seen.problems.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("framenavigated", on_navigated)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.problems.append(f"pageerror: {exc}"))
    page.on("dialog", on_dialog)
    return seen


@contextmanager
def watched_tabs(browser: Browser, viewport: ViewportSize, tabs: int = 1
                 ) -> Iterator[list[tuple[Page, Watch]]]:
    """A fresh browser context with ``tabs`` watched tabs."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        pages = [context.new_page() for _ in range(tabs)]
        yield [(page, watch_tab(page)) for page in pages]
    finally:
        context.close()


@contextmanager
def watched_page(browser: Browser, viewport: ViewportSize) -> Iterator[tuple[Page, Watch]]:
    with watched_tabs(browser, viewport) as tabs:
        yield tabs[0]


def visit_all(tabs: list[tuple[Page, Watch]], urls: list[str],
              check: Callable[[str, Page, Watch], None], look: bool = False) -> None:
    """Load ``urls`` a batch at a time, one per tab (the tabs load in parallel); once the
    batch's network is idle, ``check(url, page, watch)`` (the watch only holds that page's
    events). ``look``: only until the load event and the rendered diagram, see ``show``."""
    for start in range(0, len(urls), len(tabs)):
        batch = list(zip(tabs, urls[start:start + len(tabs)], strict=False))
        for (page, seen), url in batch:
            seen.reset()
            page.goto(url, wait_until="commit")
        for (page, _), _url in batch:
            if look:
                page.wait_for_load_state("load")
                _wait_for_diagram(page)
            else:
                page.wait_for_load_state("networkidle")
        for (page, seen), url in batch:
            check(url, page, seen)


def expect(target: Any) -> Any:
    """Playwright's auto-waiting assertions (imported late: the module loads without it)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def visit(page: Page, url: str) -> None:
    page.goto(url, wait_until="networkidle")


def show(page: Page, url: str) -> None:
    """Load ``url`` for a look (screenshots, layout): until the load event and the rendered
    ER diagram, not network idle (the clean-load checks are test_every_page's)."""
    page.goto(url, wait_until="load")
    _wait_for_diagram(page)


def _wait_for_diagram(page: Page) -> None:
    if page.locator(".dg-erd pre.mermaid").count():
        page.wait_for_selector(".dg-erd div.mermaid", state="attached")


def screenshot(page: Page, name: str, width: int) -> None:
    page.screenshot(path=str(artifacts_dir() / f"{name}-{width}.png"), full_page=True)


# --- the watch itself ----------------------------------------------------------------------


class _SlowHandler(_QuietHandler):
    """``/slow`` answers after two seconds (time enough to navigate away from its page)."""

    def do_GET(self) -> None:
        if self.path != "/slow":
            return super().do_GET()
        time.sleep(2)
        self.send_response(204)
        self.end_headers()


_LEAVES = "<title>a</title><script>fetch('/slow')</script>"
_ABORTS = """<title>b</title><img src="/missing.png"><script>
const c = new AbortController(); fetch('/slow', {signal: c.signal}).catch(() => {});
setTimeout(() => c.abort(), 100);</script>"""


def test_watch_blames_a_page_only_for_its_own_requests(browser: Browser, tmp_path: Path
                                                       ) -> None:
    """A request cancelled because the tab moved on (the favicon, fetched lazily after network
    idle, is one) is not the next page's failure; a page's own failed requests still are."""
    (tmp_path / "a.html").write_text(_LEAVES, encoding="utf-8")
    (tmp_path / "b.html").write_text(_ABORTS, encoding="utf-8")
    with serve(tmp_path, _SlowHandler) as url, watched_page(browser, DESKTOP) as (page, watch):
        aborted: list[str] = []
        page.on("requestfailed", lambda req: aborted.append(f"{req.url}: {req.failure}"))
        page.goto(url + "a.html", wait_until="load")
        page.wait_for_timeout(200)  # a's /slow is on its way
        watch.reset()
        visit(page, url + "b.html")
        page.wait_for_timeout(300)
        assert aborted == [f"{url}slow: net::ERR_ABORTED"] * 2  # a's, cancelled; b's own
        assert watch.problems == [
            f"HTTP 404 {url}missing.png",
            "console error: Failed to load resource: the server responded with a status of 404 "
            f"(File not found) ({url}missing.png)",
            f"request failed {url}slow: net::ERR_ABORTED",
        ]


# --- every page of the example site --------------------------------------------------------


@dataclass
class Visited:
    """One page of the example site as the browser saw it (after network idle)."""

    problems: list[str]
    ids: set[str]  # every element id in the document
    links: list[str]  # absolute hrefs of the links in the article


_PAGE_FACTS = """() => ({
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  links: [...document.querySelectorAll('article a[href]')].map(a => a.href),
})"""


@pytest.fixture(scope="module")
def crawl(browser: Browser, example_site: Path, example_url: str) -> dict[str, Visited]:
    """Every page of the example site, loaded once at 1280 px until network idle; the main
    design pages also get a full-page screenshot (the 390 px ones come with the phone test)."""
    urls = [example_url + rel for rel in html_pages(example_site)]
    main = {example_url + design_url(name): name for name in PAGES}
    assert set(main) <= set(urls), sorted(set(main) - set(urls))
    seen_pages: dict[str, Visited] = {}

    def check(url: str, page: Page, seen: Watch) -> None:
        problems = list(seen.problems)
        if url not in seen.requests or not page.title():
            problems.append("page did not load")
        if url in main:
            screenshot(page, f"design-{main[url]}", DESKTOP["width"])
        facts = page.evaluate(_PAGE_FACTS)
        seen_pages[url] = Visited(problems, set(facts["ids"]), facts["links"])

    # The rest in parallel tabs; the main pages in a tab of their own (screenshots are slow
    # while other tabs are open).
    with watched_tabs(browser, DESKTOP, tabs=4) as tabs:
        visit_all(tabs, [u for u in urls if u not in main], check)
    with watched_tabs(browser, DESKTOP) as tabs:
        visit_all(tabs, list(main), check)
    return seen_pages


def test_every_page_loads_cleanly_and_offline(crawl: dict[str, Visited], example_url: str
                                              ) -> None:
    """No console error, page error, failed request or HTTP error, and no request off
    127.0.0.1 (data: and blob: are fine), on any page."""
    assert len(crawl) >= 40, sorted(crawl)
    assert example_url in crawl and example_url + "guide/rules/" in crawl
    report = {url: v.problems for url, v in crawl.items() if v.problems}
    assert report == {}, "\n".join(f"{url}: {p}" for url, ps in report.items() for p in ps)
    for name in PAGES:
        assert (artifacts_dir() / f"design-{name}-{DESKTOP['width']}.png").is_file(), name


# --- the ER diagram ------------------------------------------------------------------------


def _shadow_svg_texts(page: Page) -> list[list[str]]:
    """The text nodes of each SVG in the page, closed shadow roots included (Material renders
    Mermaid into a closed shadow root, out of reach of page scripts and CSS selectors)."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    finally:
        cdp.detach()
    svgs: list[list[str]] = []

    def walk(node: dict[str, Any], texts: list[str] | None) -> None:
        name = str(node.get("nodeName", "")).lower()
        if name == "svg" and texts is None:
            texts = []
            svgs.append(texts)
        if name == "style":
            return
        if texts is not None and node.get("nodeType") == 3 and node.get("nodeValue", "").strip():
            texts.append(node["nodeValue"].strip())
        for key in ("shadowRoots", "children"):
            for child in node.get(key, []):
                walk(child, texts)

    walk(root, None)
    return svgs


def test_er_diagram_renders_every_table(browser: Browser, example_url: str) -> None:
    tables = sorted(load_design(REPO / "design").design.tables)
    assert tables
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, example_url + "design/database/")
        # Material swaps the <pre class="mermaid"> for a <div class="mermaid"> once rendered.
        page.wait_for_selector(".dg-erd div.mermaid", state="attached")
        assert page.locator(".dg-erd pre.mermaid").count() == 0
        svgs = _shadow_svg_texts(page)
        erd = [texts for texts in svgs if set(tables) & set(texts)]
        assert len(erd) == 1, f"no rendered ER diagram among {len(svgs)} SVG(s)"
        missing = [t for t in tables if t not in erd[0]]
        assert missing == [], f"tables missing from the ER diagram: {missing}"
        assert not any("Syntax error" in t for t in erd[0]), erd[0][:20]
        box = page.locator(".dg-erd div.mermaid").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, box
        assert watch.problems == []


def test_a_table_page_draws_the_table_with_its_neighbours(browser: Browser,
                                                          example_url: str) -> None:
    design = load_design(REPO / "design").design
    tasks = design.tables["tasks"]
    want = {"tasks"} | {c.references.table for c in tasks.columns if c.references is not None}
    want |= {fk.table for fk in tasks.foreign_keys}  # composite: the same tenant's project
    want |= {o.name for o in design.tables.values()
             if any(c.references is not None and c.references.table == "tasks" for c in o.columns)
             or any(fk.table == "tasks" for fk in o.foreign_keys)}
    assert len(want) > 3
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, example_url + "design/database/tasks/")
        page.wait_for_selector(".dg-erd div.mermaid", state="attached")
        svgs = [texts for texts in _shadow_svg_texts(page) if "tasks" in texts]
        assert len(svgs) == 1
        drawn = {name for name in design.tables if name in svgs[0]}
        assert drawn == want
        assert not any("Syntax error" in x for x in svgs[0])
        assert watch.problems == []


# --- the same pages built by Zensical --------------------------------------------------------


@pytest.fixture(scope="module")
def zensical_url(mermaid_js: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example's pages written by `designgate pages` and built by Zensical (strict)."""
    from test_pages import pages, zensical_build

    root = tmp_path_factory.mktemp("browser-zensical")
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        code, _, stderr = pages("design", "--out", str(root / "docs"), "--no-gate",
                                "--mermaid-js", str(mermaid_js))
    finally:
        os.chdir(cwd)
    assert code == 0, stderr
    with serve(zensical_build(root, root / "docs")) as url:
        yield url


def test_zensical_serves_every_design_page_cleanly(browser: Browser, example_site: Path,
                                                   zensical_url: str) -> None:
    """Every design page of the MkDocs site exists in the Zensical site (at its root), loads
    without an error or a request to another host, and shows its heading."""
    rels = [u[len("design/"):] for u in html_pages(example_site) if u.startswith("design/")]
    assert len(rels) >= len(PAGES)
    bad: list[str] = []

    def check(url: str, page: Page, seen: Watch) -> None:
        problems = list(seen.problems)
        if url not in seen.requests or not page.locator("article h1").count():
            problems.append("no page")
        bad.extend(f"{url}: {p}" for p in problems)

    with watched_tabs(browser, DESKTOP, tabs=4) as tabs:
        visit_all(tabs, [zensical_url + rel for rel in rels], check)
    assert bad == []


def test_zensical_draws_the_er_diagram_with_the_local_mermaid(browser: Browser,
                                                              zensical_url: str) -> None:
    tables = sorted(load_design(REPO / "design").design.tables)
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, zensical_url + "database/")
        page.wait_for_selector(".dg-erd div.mermaid svg", state="attached")
        svgs = [texts for texts in _shadow_svg_texts(page) if set(tables) & set(texts)]
        assert len(svgs) == 1 and [t for t in tables if t not in svgs[0]] == []
        assert watch.problems == []


def test_zensical_search_finds_an_endpoint_by_method_and_path(browser: Browser,
                                                             zensical_url: str) -> None:
    """Zensical's own search (its default tokenizer splits paths) finds DELETE /tasks/{taskId}
    first for "delete task"."""
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, zensical_url)
        page.keyboard.press("Control+k")
        page.keyboard.type("delete task")
        first = page.locator('a[href*="/api/"][href*="#"]').first
        expect(first).to_be_visible()
        page.wait_for_timeout(500)
        hrefs = page.locator('a[href*="/api/"][href*="#"]').evaluate_all(
            "links => links.map(a => a.href)")
        assert hrefs[0] == zensical_url + "api/tasks/#delete-taskstaskid", hrefs[:5]
        assert watch.problems == []


# --- accessibility -----------------------------------------------------------------------


#: One page of each kind the site generates (and the guide's first page).
PAGE_KINDS = ["design/", "design/changes/", "design/endpoints/", "design/traceability/",
              "design/api/", "design/api/tasks/", "design/api/schemas/", "design/database/",
              "design/database/tasks/", "design/auth/", "design/integrations/",
              "design/prioritization/", "design/migrations/", "design/gate/",
              "design/findings/", "guide/"]


@pytest.fixture(scope="session")
def axe_js() -> str:
    """axe-core, from npm (locked in .ci/node); DESIGNGATE_AXE_JS names another copy."""
    path = Path(os.environ.get("DESIGNGATE_AXE_JS")
                or REPO / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js")
    if not path.is_file():
        reason = f"no axe-core at {path} (npm ci --prefix .ci/node)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: a missing browser dependency fails)", pytrace=False)
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


_AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `${v.id} (${v.impact}) x${v.nodes.length}: ${v.nodes[0].target.join(' ')}`)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation_on_any_page_kind(
        browser: Browser, example_url: str, axe_js: str, scheme: str) -> None:
    """axe-core (WCAG 2.1 A/AA rules and best practices) on one page of every kind, in the
    light and the dark palette: no serious or critical violation."""
    found: list[str] = []
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        for rel in PAGE_KINDS:
            show(page, example_url + rel)
            assert page.evaluate("document.body.dataset.mdColorScheme") == (
                "slate" if scheme == "dark" else "default")
            page.add_script_tag(content=axe_js)
            found += [f"{rel}: {v}" for v in page.evaluate(_AXE_RUN)]
    finally:
        context.close()
    assert found == []


# --- endpoints: inventory and API reference ------------------------------------------------


def test_every_endpoint_is_in_inventory_and_api_reference(crawl: dict[str, Visited],
                                                          example_url: str) -> None:
    endpoints = [ep.id for ep in load_design(REPO / "design").design.endpoints]
    assert len(endpoints) == 38
    inventory = crawl[example_url + "design/endpoints/"]
    assert [i for i in endpoints if f"ep-{i}" not in inventory.ids] == []
    # Each endpoint links to the API reference page that has its operation (``#op-<id>``).
    links = {i: [h for h in inventory.links if unquote(urlsplit(h).fragment) == f"op-{i}"]
             for i in endpoints}
    assert {i: hrefs for i, hrefs in links.items() if len(hrefs) != 1} == {}
    broken = {}
    for ep_id, (href,) in links.items():
        target = crawl.get(href.split("#")[0])
        if not href.startswith(example_url + "design/api/") or target is None \
                or f"op-{ep_id}" not in target.ids:
            broken[ep_id] = href
    assert broken == {}


def test_inventory_link_opens_the_operation(browser: Browser, example_url: str) -> None:
    target = load_design(REPO / "design").design.endpoints[-1].id  # far down the inventory
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, example_url + "design/endpoints/")
        link = page.locator(f'article a[href$="#op-{target}"]')
        assert link.count() == 1
        href = link.evaluate("a => a.href")
        link.click()
        page.wait_for_url(href)
        assert page.url.startswith(example_url + "design/api/")
        page.wait_for_load_state("networkidle")
        anchor = page.locator(f'[id="op-{target}"]')
        expect(anchor).to_be_attached()
        expect(anchor).to_be_in_viewport()
        assert watch.problems == []


# --- uncovered requirements ----------------------------------------------------------------

_UNCOVERED = (
    "  - id: FR-090\n    title: Export notes\n    description: Download every note.\n"
    "    priority: P0\n    mvp: true\n"
    "  - id: FR-091\n    title: Share notes\n    description: Share a note by link.\n"
    "    priority: P0\n    mvp: false\n"
    "  - id: FR-092\n    title: Themes\n    description: Dark mode.\n"
    "    priority: P2\n    mvp: false\n"
)

_ROW_BACKGROUNDS = """() => [...document.querySelectorAll('article table tbody tr')]
  .filter(tr => /^FR-\\d+/.test(tr.cells[0]?.innerText.trim() ?? ''))
  .map(tr => ({
    id: tr.cells[0].innerText.trim(),
    uncovered: tr.querySelector('.dg-uncovered') !== null,
    backgrounds: [...tr.cells].map(td => getComputedStyle(td).backgroundColor),
  }))"""
_TRANSPARENT = ("rgba(0, 0, 0, 0)", "transparent")


def test_uncovered_requirements_are_highlighted(browser: Browser, mermaid_js: Path,
                                                tmp_path: Path) -> None:
    def add_requirements(design: Path) -> None:
        prd = design / "prd.yaml"
        prd.write_text(prd.read_text("utf-8") + _UNCOVERED, encoding="utf-8")

    site = fixture_site(tmp_path, mermaid_js, add_requirements)
    with serve(site) as url, watched_page(browser, DESKTOP) as (page, watch):
        visit(page, url + "design/traceability/")
        page.mouse.move(0, 0)  # no hover colour on any row
        for fr in ("FR-090", "FR-091"):
            marker = page.locator("article tr .dg-uncovered", has_text=fr)
            assert marker.count() == 1, fr
            assert marker.is_visible(), fr
        rows = {r["id"]: r for r in page.evaluate(_ROW_BACKGROUNDS)}
        assert {"FR-090", "FR-091", "FR-092"} <= set(rows) and len(rows) > 3, sorted(rows)
        highlighted = {rid for rid, r in rows.items() if r["uncovered"]}
        assert highlighted == {"FR-090", "FR-091"}, highlighted
        for rid in highlighted:
            assert all(bg not in _TRANSPARENT for bg in rows[rid]["backgrounds"]), rows[rid]
        colour = rows["FR-090"]["backgrounds"][0]
        for rid, r in rows.items():
            if rid not in highlighted:  # covered, or out of scope (FR-092): plain
                assert colour not in r["backgrounds"], r
        assert watch.problems == []


# --- navigation and search -----------------------------------------------------------------


def test_navigation_desktop_and_drawer(browser: Browser, example_url: str) -> None:
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, example_url)
        nav = page.locator(".md-sidebar--primary")
        nav.get_by_role("link", name="Endpoint inventory", exact=True).click()
        page.wait_for_url(example_url + "design/endpoints/")
        assert page.title().startswith("Endpoint inventory")
        assert watch.problems == []
    with watched_page(browser, PHONE) as (page, watch):
        visit(page, example_url)
        nav = page.locator(".md-sidebar--primary")
        drawer = page.locator("#__drawer")
        link = nav.get_by_role("link", name="Traceability", exact=True)
        assert not drawer.is_checked()
        expect(link).not_to_be_in_viewport()
        hamburger = page.locator('label.md-header__button[for="__drawer"]')
        expect(hamburger).to_be_visible()
        hamburger.click()
        expect(drawer).to_be_checked()
        design = nav.locator("label.md-nav__link", has_text="Design").first
        expect(design).to_be_in_viewport()
        design.click()
        expect(link).to_be_in_viewport()
        link.click()
        page.wait_for_url(example_url + "design/traceability/")
        assert page.title().startswith("Traceability")
        assert watch.problems == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_search_finds_design_pages(browser: Browser, example_url: str,
                                   viewport: ViewportSize) -> None:
    with watched_page(browser, viewport) as (page, watch):
        visit(page, example_url)
        # The phone has a search button (label[for=__search]); the desktop header has the field.
        button = page.locator('label.md-header__button[for="__search"]')
        box = page.locator("input.md-search__input")
        if button.is_visible():
            button.click()
        else:
            box.click()
        expect(page.locator("#__search")).to_be_checked()
        expect(box).to_be_visible()
        box.press_sequentially("attachments")  # typed: Material searches on key events
        results = page.locator(".md-search-result__item")
        expect(results.first).to_be_visible()
        hrefs = page.locator(".md-search-result__item a").evaluate_all(
            "links => links.map(a => a.href)")
        assert any(h.startswith(example_url + "design/") for h in hrefs), hrefs
        assert all(h.startswith(example_url) for h in hrefs), hrefs
        # The index is searched in a web worker loaded from the site's own assets.
        worker = [u for u in watch.requests if "/assets/javascripts/workers/search" in u]
        assert worker and all(u.startswith(example_url) for u in worker), watch.requests
        assert example_url + "search/search_index.json" in watch.requests
        assert watch.problems == []


def test_search_finds_an_endpoint_by_method_and_path(browser: Browser, example_url: str) -> None:
    """"delete task" finds DELETE /tasks/{taskId}: a path is several words to the search."""
    with watched_page(browser, DESKTOP) as (page, watch):
        visit(page, example_url)
        box = page.locator("input.md-search__input")
        box.click()
        box.press_sequentially("delete task")
        # One link per page and per matching section of it, best first.
        results = page.locator(".md-search-result__item > a")
        expect(results.first).to_be_visible()
        page.wait_for_timeout(500)  # results arrive from the worker as typing goes on
        hrefs = results.evaluate_all("links => links.map(a => a.href)")
        hit = [i for i, h in enumerate(hrefs) if h.split("?")[0] == example_url + "design/api/tasks/"
               and h.endswith("#delete-taskstaskid")]
        assert hit and hit[0] < 8, hrefs[:12]
        assert watch.problems == []


# --- safe rendering ------------------------------------------------------------------------

_DOM_THREATS = """() => {
  const bad = [];
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith('on')) bad.push(`${describe(el)} ${attr.name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name.toLowerCase())
          && /^javascript:/i.test(attr.value.replace(/[\\x00-\\x20]/g, '')))
        bad.push(`${describe(el)} ${attr.name}=${attr.value}`);
    }
  }
  for (const a of document.querySelectorAll('a[href^="javascript:" i]'))
    bad.push(`a href=${a.getAttribute('href')}`);
  const theme = ['__md_scope=new URL(', 'var palette=__md_get("__palette")',
                 'var target=document.getElementById(location.hash.slice(1))'];
  for (const s of document.querySelectorAll('script')) {
    if (s.hasAttribute('src')) {
      if (!new URL(s.src).pathname.includes('/assets/')) bad.push(`script src=${s.src}`);
    } else if (s.id === '__config' && s.type === 'application/json') {
      continue;
    } else if (!theme.some(t => s.textContent.trim().startsWith(t))) {
      bad.push(`inline script: ${s.textContent.slice(0, 80)}`);
    }
  }
  return bad;
}"""


def test_markup_in_design_text_is_inert_in_the_browser(browser: Browser, mermaid_js: Path,
                                                       tmp_path: Path) -> None:
    site = fixture_site(tmp_path, mermaid_js, poison)
    pages = [u for u in html_pages(site) if u.startswith("design/")]
    assert len(pages) >= len(PAGES)
    report: dict[str, list[str]] = {}

    def check(url: str, page: Page, seen: Watch) -> None:
        # The payload's own <img src=x> may survive as an inert image in the API reference's
        # (sanitised) Markdown descriptions: its 404 is expected, anything else is not.
        problems = [p for p in seen.problems if not _broken_x(p)] + page.evaluate(_DOM_THREATS)
        if problems:
            report[url] = problems

    with serve(site) as url:
        with watched_tabs(browser, DESKTOP, tabs=3) as tabs:
            visit_all(tabs, [url + rel for rel in pages], check)
            page = tabs[0][0]
            visit(page, url + "design/")
            body = page.evaluate("document.body.innerText")
        assert "<script>alert(1)</script>" in body
        assert "[click](javascript:alert(3))" in body
    assert report == {}, "\n".join(f"{u}: {p}" for u, ps in report.items() for p in ps)


def _broken_x(problem: str) -> bool:
    """The payload's inert ``<img src=x>``: its 404, its console line, or its request being
    cancelled (net::ERR_ABORTED) while the page settles — nothing else."""
    return bool(re.fullmatch(r"(HTTP 404 |request failed |console error: Failed to load "
                             r"resource: .*\()http://[^\s]+/x(: .*|\))?", problem))


# --- a phone ---------------------------------------------------------------------------------

_OVERFLOW = """() => {
  const limit = window.innerWidth + 1;
  const clips = el => {
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible' || s.position === 'fixed') return true;
    }
    return false;
  };
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= limit || clips(el)) continue;
    if (culprits.some(c => c.el.contains(el))) continue;
    culprits.push({el, right: Math.round(r.right)});
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    culprits: culprits.slice(0, 5).map(c => `${describe(c.el)} right=${c.right}px ` +
      JSON.stringify((c.el.innerText || c.el.textContent || '').trim().slice(0, 60))),
  };
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_the_inventorys_key_columns_stay_on_screen(browser: Browser, example_url: str,
                                                   width: int) -> None:
    """On a phone and on a laptop, every resource's table shows the endpoint, the roles that
    may call it, what it serves and its quadrant without scrolling sideways."""
    with watched_page(browser, {"width": width, "height": 900}) as (page, _watch):
        visit(page, example_url + "design/endpoints/")
        edges = page.evaluate("""() => [...document.querySelectorAll('article table')]
          .filter(t => t.querySelector('th') && t.querySelector('th').innerText === 'Endpoint')
          .map(t => {
            const view = (t.closest('.md-typeset__scrollwrap') || t.parentElement)
              .getBoundingClientRect().right;
            const heads = [...t.querySelectorAll('th')].map(h => [h.innerText,
              h.getBoundingClientRect().right]);
            return heads.filter(([name]) => ['Roles', 'Serves', 'Quadrant'].includes(name))
              .map(([name, right]) => [name, right <= view + 1]);
          })""")
        assert len(edges) >= 10
        assert all(ok for table in edges for _name, ok in table), edges


def test_design_pages_fit_a_phone(browser: Browser, example_site: Path, example_url: str
                                  ) -> None:
    """No horizontal page scroll at 390 px on the main design pages, every page of the API
    reference and the widest table page: wide tables, code and diagrams scroll inside their
    own wrapper. A failure names the outermost elements sticking out of the viewport. The
    main design pages get a full-page screenshot."""
    main = {example_url + design_url(name): name for name in PAGES}
    rest = [example_url + u for u in html_pages(example_site)
            if (u.startswith("design/api/") or u == "design/database/tasks/")
            and example_url + u not in main]
    report: dict[str, str] = {}

    def check(url: str, page: Page, seen: Watch) -> None:
        if url in main:
            screenshot(page, f"design-{main[url]}", PHONE["width"])
        m = page.evaluate(_OVERFLOW)
        if m["scrollWidth"] > m["innerWidth"] + 1:
            report[url] = (f"scrollWidth {m['scrollWidth']} > innerWidth {m['innerWidth']}: "
                           + "; ".join(m["culprits"]))

    with watched_tabs(browser, PHONE, tabs=4) as tabs:
        visit_all(tabs, rest, check, look=True)
    with watched_tabs(browser, PHONE) as tabs:
        visit_all(tabs, list(main), check, look=True)
    assert report == {}, "\n".join(f"{k}: {v}" for k, v in report.items())
