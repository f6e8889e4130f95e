"""The designgate MkDocs plugin: wires the core into MkDocs events, nothing more.

The design is loaded and checked once per build; findings are logged through the plugin
logger (so `mkdocs build --strict` counts warnings) and one PluginError summarises them when
`fail_on` is reached. The site's pages come from `designgate.render` as generated files
(nothing is written into `docs/`), and their HTML goes through the sanitiser.
"""

from __future__ import annotations

import html
import json
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url, nest_paths

from designgate.check import Report, check_design
from designgate.diff.changes import DesignDiff
from designgate.findings import Severity
from designgate.gate.interventions import default_folder
from designgate.load.loader import DesignLoadError
from designgate.mkdocs_plugin.config import DesignGateConfig
from designgate.render.anchors import AnchorCheck
from designgate.render.pages import Repository, default_source_url, gate_view, repository
from designgate.render.sanitize import sanitize_html
from designgate.render.site import Site, SiteOptions, build_site

log = get_plugin_logger(__name__)

#: Dead anchor links listed one by one; the rest are counted.
_DEAD_SHOWN = 20
_LOG_BY_SEVERITY = {Severity.ERROR: log.error, Severity.WARNING: log.warning, Severity.INFO: log.info}
ASSETS = Path(__file__).resolve().parent.parent / "render" / "assets"
CSS = "assets/designgate/designgate.css"
JS = "assets/designgate/designgate.js"
MERMAID = "assets/designgate/mermaid.min.js"
DEFAULT_MERMAID = "node_modules/mermaid/dist/mermaid.min.js"
#: Markdown extensions the generated pages use (the API reference's tabs and details).
EXTENSIONS: dict[str, dict[str, Any]] = {
    "tables": {},
    "admonition": {},
    "pymdownx.details": {},
    "pymdownx.superfences": {},
    "pymdownx.tabbed": {"alternate_style": True},
}


class DesignGatePlugin(BasePlugin[DesignGateConfig]):
    def __init__(self) -> None:
        self.report: Report | None = None
        self.gate: dict[str, Any] | str | None = None
        self.changes: DesignDiff | str | None = None
        self.changes_base: str | None = None
        self.design_path: Path | None = None
        self.site: Site | None = None
        self.mermaid: Path | str | None = None
        self.mermaid_per_page = False
        self.ours: set[str] = set()
        self.anchors = AnchorCheck()
        self.repo = Repository()
        self.with_svg: set[str] = set()

    # Resolve paths against mkdocs.yml, not the working directory, and register what the
    # generated pages need (Markdown extensions, the stylesheet, a local Mermaid).
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        base = Path(config.config_file_path or ".").resolve().parent
        self.design_path = (base / self.config.design_dir).resolve()
        for name, options in EXTENSIONS.items():
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
                if options:
                    config.mdx_configs[name] = options
        config.extra_css.append(CSS)
        config.extra_javascript.append(JS)
        _search_paths(config)
        if config.theme.name == "material" and config.theme.get("font") is not False:
            log.info("theme font is not `false`: Material loads Google Fonts, so the site is "
                     "not fully offline (set `theme: {font: false}`)")
        host = urlsplit(config.repo_url or "").hostname or ""
        if config.theme.name == "material" and ("github.com" in host or "gitlab" in host):
            log.info(f"repo_url is on {host}: Material's header fetches the repository's "
                     "version, stars and forks from its API, so the site is not fully offline")
        self.mermaid = self._mermaid(base)
        # Mermaid is 3.5 MB of script: only pages with a diagram load it (on_post_page), unless
        # instant navigation swaps pages without loading their scripts — then every page does.
        self.mermaid_per_page = self.mermaid is not None and not _instant(config)
        if self.mermaid is not None and not self.mermaid_per_page:
            config.extra_javascript.append(
                self.mermaid if isinstance(self.mermaid, str) else MERMAID)
        return config

    def _mermaid(self, base: Path) -> Path | str | None:
        configured = self.config.mermaid_js
        if configured and configured.startswith(("https://", "http://")):
            return configured  # the user's explicit choice of a remote script
        if configured:
            path = (base / configured).resolve()
            if not path.is_file():
                raise PluginError(f"designgate: mermaid_js '{configured}' is not a file")
            return path
        default = base / DEFAULT_MERMAID
        if default.is_file():
            return default
        log.info("no local Mermaid script (mermaid_js); the ER diagram is shown as source")
        return None

    # Check once per build, before any page is read, so every page sees the same report.
    def on_pre_build(self, config: MkDocsConfig) -> None:
        if not self.config.enabled or self.design_path is None:
            return
        try:
            self.report = check_design(self.design_path)
        except DesignLoadError as exc:
            raise PluginError(f"designgate: {exc}") from exc
        for f in self.report.findings:
            _LOG_BY_SEVERITY[f.severity](f"{f.location} {f.rule} {f.message}")
        if self.config.fail_on != "never":
            threshold = Severity.parse(self.config.fail_on)
            if self.report.fails(threshold):
                n = sum(1 for f in self.report.findings if f.severity >= threshold)
                raise PluginError(
                    f"designgate: {n} finding(s) at or above '{self.config.fail_on}' in "
                    f"{self.config.design_dir}/ (run `designgate check` for details)"
                )
        self.gate = self._gate(config) if self.config.gate else None
        self.repo = repository(self.design_path)

    def _verify_report(self, config: MkDocsConfig) -> dict[str, Any] | None:
        path = self.config.verify_report
        if not path:
            return None
        file = Path(config.config_file_path or ".").resolve().parent / path
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PluginError(f"designgate: verify_report '{path}' does not exist "
                              "(designgate db verify --out writes it)") from None
        except (OSError, ValueError) as exc:
            raise PluginError(f"designgate: verify_report '{path}' cannot be read: "
                              f"{exc}") from None
        if not isinstance(data, dict) or "ok" not in data:
            raise PluginError(f"designgate: verify_report '{path}' is not a db verify report")
        return data

    def _gate(self, config: MkDocsConfig) -> dict[str, Any] | str | None:
        """The gate from git (no network): its JSON data, or why it was not evaluated."""
        assert self.design_path is not None and self.report is not None
        folder = self.config.interventions_dir
        base = Path(config.config_file_path or ".").resolve().parent
        view = gate_view(self.design_path, self.report, (base / folder) if folder else None)
        if isinstance(view.gate, str):
            log.info("gate not evaluated: %s", view.gate)
        for f in view.findings:
            log.info("gate: %s %s %s", f.location, f.rule, f.message)
        self.changes, self.changes_base = view.changes, view.changes_base
        return view.gate

    # The pages exist only in memory: added as generated files, never written into docs/.
    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.report is None:
            return None
        options = SiteOptions(
            pages_dir=self.config.pages_dir.strip("/"),
            guide_dir=self.config.guide_dir.strip("/") if self.config.guide else None,
            source_url=_source_url(self.config.source_url, config)
            or default_source_url(self.report, self.repo),
            commit=self.repo.commit,
            templates_dir=Path(self.config.templates_dir) if self.config.templates_dir else None,
            mermaid=self.mermaid is not None,
            directory_urls=config.use_directory_urls,
            gate=self.gate,
            verify=self._verify_report(config),
            changes=self.changes,
            changes_base=self.changes_base,
        )
        self.site = site = build_site(self.report, options)
        for problem in site.warnings:
            log.warning(problem)
        self.with_svg = {p.path for p in site.pages if p.svg}
        user_pages = [f.src_uri for f in files.documentation_pages()]
        generated: list[tuple[str, str | bytes]] = [(p.path, p.source()) for p in site.pages]
        generated += [(f.path, f.content) for f in site.files]
        generated.append((CSS, (ASSETS / "designgate.css").read_text(encoding="utf-8")))
        generated.append((JS, (ASSETS / "designgate.js").read_text(encoding="utf-8")))
        for path, content in generated:
            if files.get_file_from_path(path) is not None:
                log.warning(f"docs/{path} exists; the generated page of that name is skipped")
                continue
            files.append(File.generated(config, path, content=content))
            self.ours.add(path)
        if isinstance(self.mermaid, Path):
            files.append(File.generated(config, MERMAID, abs_src_path=str(self.mermaid)))
        if self.config.nav:
            config.nav = _nav(config.nav, user_pages, site, self.ours)
        return files

    # Design text reaches HTML escaped by the templates; descriptions inside the API reference
    # are Markdown (as OpenAPI defines them), so every generated page is sanitised as well.
    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str | None:
        if page.file.src_uri in self.ours:
            html = sanitize_html(html, svg=page.file.src_uri in self.with_svg)
            self.anchors.add(page.url, html)
            return html
        return None

    # A link whose fragment names nothing on its page (MkDocs checks Markdown links only).
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        dead = self.anchors.dead()
        for url, href in dead[:_DEAD_SHOWN]:
            log.warning(f"the page {url or '/'} links to {href}, which names no "
                        "anchor of its page")
        if len(dead) > _DEAD_SHOWN:
            log.warning(f"{len(dead) - _DEAD_SHOWN} more links to missing anchors")
        self.anchors = AnchorCheck()

    # The Mermaid script goes where extra_javascript would put it, on the pages that need it.
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        if not self.mermaid_per_page or 'class="mermaid"' not in output:
            return None
        src = (self.mermaid if isinstance(self.mermaid, str)
               else get_relative_url(MERMAID, page.url or "."))
        at = output.rfind("</body>")
        if at < 0:
            at = len(output)
        return f'{output[:at]}<script src="{html.escape(src)}"></script>\n{output[at:]}'

    # Edits to design sources (and template overrides) must rebuild the site under `serve`.
    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled and self.design_path is not None and self.design_path.is_dir():
            server.watch(str(self.design_path))
        if self.config.enabled and self.config.templates_dir:
            server.watch(str(self.config.templates_dir))
        if self.config.enabled and self.config.gate and self.design_path is not None:
            base = Path(config.config_file_path or ".").resolve().parent
            folder = (base / self.config.interventions_dir if self.config.interventions_dir
                      else default_folder(self.design_path))
            if folder.is_dir():
                server.watch(str(folder))
        return server


#: Material's default search separator, and ours: also at "/", braces and dots, and between
#: the words of a camelCase name, so "delete task" finds ``DELETE /tasks/{taskId}``.
_DEFAULT_SEPARATOR = r"[\s\-]+"
SEARCH_SEPARATOR = r"[\s\-/{}.,:()\[\]]+|(?!\b)(?=[A-Z][a-z])"


def _search_paths(config: MkDocsConfig) -> None:
    """Material's search splits words at spaces and hyphens only, so a path is one word; when
    the site keeps that default, the separator also splits paths and camelCase names."""
    for name in ("material/search", "search"):
        plugin = config.plugins.get(name)
        options = getattr(plugin, "config", None)
        if options is not None and options.get("separator") in (None, _DEFAULT_SEPARATOR):
            options["separator"] = SEARCH_SEPARATOR
            index = getattr(plugin, "search_index", None)  # Material copies its options
            if index is not None and isinstance(getattr(index, "config", None), dict):
                index.config["separator"] = SEARCH_SEPARATOR


def _instant(config: MkDocsConfig) -> bool:
    features = config.theme.get("features") or []
    return config.theme.name == "material" and "navigation.instant" in features


def _nav(nav: list[Any] | None, user_pages: list[str], site: Site, ours: set[str]) -> list[Any]:
    """The user's nav (or MkDocs' automatic one) with the design and guide sections added."""
    sections = _filter_nav(site.nav, ours)
    if nav is None:
        return [*nest_paths(user_pages), *sections]
    mentioned = set(_nav_paths(nav))
    if mentioned & ours:
        return nav  # the user placed our pages themselves
    return [*nav, *sections]


def _filter_nav(items: list[Any], keep: set[str]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, list):
                    sub = _filter_nav(value, keep)
                    if sub:
                        out.append({title: sub})
                elif value in keep:
                    out.append({title: value})
        elif item in keep:
            out.append(item)
    return out


def _nav_paths(items: Any) -> list[str]:
    if isinstance(items, str):
        return [items]
    if isinstance(items, dict):
        return [p for v in items.values() for p in _nav_paths(v)]
    if isinstance(items, list):
        return [p for v in items for p in _nav_paths(v)]
    return []


def _source_url(explicit: str | None, config: MkDocsConfig) -> str | None:
    """How a finding links to its source line (``{path}``, ``{line}``), from mkdocs.yml:
    ``source_url``, else ``repo_url`` and ``edit_uri`` (else ``default_source_url``)."""
    if explicit:
        return explicit
    repo = (config.repo_url or "").rstrip("/")
    if repo and config.edit_uri is not None and not config.edit_uri.startswith(("http:", "https:")):
        # edit_uri points at the docs folder for editing ("edit/main/docs/"); a source line
        # is viewed ("blob/main/") relative to the repository root.
        edit = config.edit_uri.strip("/")
        docs = posixpath.basename(config.docs_dir.rstrip("/"))
        if edit.endswith("/" + docs):
            edit = edit[: -len(docs) - 1]
        view = edit.replace("edit/", "blob/", 1) if "edit/" in edit else edit
        return f"{repo}/{view}/{{path}}#L{{line}}" if view else f"{repo}/{{path}}#L{{line}}"
    return None
