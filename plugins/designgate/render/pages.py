"""The design site's pages as files, for any generator that builds Markdown (Zensical, MkDocs
without the plugin...), and the gate data both ways of building share.

The MkDocs plugin keeps the pages in memory; ``write_pages`` writes the same pages into a
folder of the docs (``designgate pages DESIGN_DIR --out docs/design``). It never writes over a
file it did not write: a manifest in the folder lists what it wrote, so a later run replaces
those files and removes the ones no longer generated, and refuses to touch anything else.

The pages are safe as written: every value from the design is escaped by the templates, the
API reference prints design text as text, and the raw HTML in the pages is the templates'
own. (The MkDocs plugin sanitises the rendered HTML as well.)
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from designgate.check import Report
from designgate.diff.changes import DesignDiff
from designgate.findings import Finding
from designgate.load.loader import DesignLoadError
from designgate.render.site import Site, SiteOptions, build_site

#: Lists, one path a line, the files ``write_pages`` wrote into its folder.
MANIFEST = ".designgate-pages"
ASSETS = Path(__file__).resolve().parent / "assets"
#: Where the stylesheet (and a local Mermaid) go, inside the pages' folder.
CSS = "assets/designgate.css"
JS = "assets/designgate.js"
MERMAID = "assets/mermaid.min.js"
MERMAID_INIT = "assets/mermaid-init.js"


class PagesError(Exception):
    """A one-line reason the pages cannot be written."""


@dataclass
class GateView:
    """The gate and the changes since the approved baseline, for the site, from git only."""

    gate: dict[str, Any] | str | None = None
    changes: DesignDiff | str | None = None
    changes_base: str | None = None
    #: The gate's own findings (G-rules), for a build's log.
    findings: list[Finding] = field(default_factory=list)


def gate_view(design_dir: Path, report: Report, interventions_dir: Path | None) -> GateView:
    """The gate status (its ``to_json`` data) and the changes since its approved baseline, or
    why they were not evaluated (outside git, a shallow clone...)."""
    from designgate.gate.git import GitError, Repo
    from designgate.gate.report import to_json
    from designgate.gate.reviews import ReviewDataError
    from designgate.gate.run import GateRequest, contract_since, gate_status

    try:
        result = gate_status(GateRequest(design_dir, interventions_dir=interventions_dir),
                             report)
    except (GitError, ReviewDataError, DesignLoadError) as exc:
        return GateView(str(exc), f"the gate was not evaluated ({exc})")
    view = GateView(to_json(result), findings=[f for f in result.status.findings
                                               if f.rule.startswith("G")])
    baseline = result.baseline
    if baseline is None:
        view.changes = ("no approved baseline is recorded in git history yet: every change "
                        "is new until the first approval")
        return view
    diff = result.contract
    if diff is None:
        notes: list[str] = []
        diff = contract_since(Repo(design_dir), baseline.commit, result.report, notes)
        if diff is None:
            view.changes = "; ".join(notes) or "the approved baseline cannot be read"
            return view
    view.changes, view.changes_base = diff, baseline.commit
    return view


@dataclass(frozen=True)
class Repository:
    """What git says about the repository of a design, for source links."""

    #: The commit checked out (being built), or None outside git.
    commit: str | None = None
    #: A source link template from the ``origin`` remote (GitHub or GitLab), or None.
    source_url: str | None = None


_REMOTE = re.compile(r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/:]+@)"
                     r"(?P<host>[A-Za-z0-9.-]+)(?::\d+)?[:/](?P<path>[A-Za-z0-9._/-]+?)"
                     r"(?:\.git)?/?$")


def source_template(remote: str) -> str | None:
    """The blob URL template (``{commit}``, ``{path}``, ``{line}``) of a GitHub or GitLab
    remote URL (https or ssh; credentials in it are dropped); None for another host."""
    m = _REMOTE.match(remote.strip())
    if m is None or ".." in m["path"]:
        return None
    host, path = m["host"].lower(), m["path"].strip("/")
    if host == "github.com" or host.startswith("github."):
        return f"https://{host}/{path}/blob/{{commit}}/{{path}}#L{{line}}"
    if "gitlab" in host:
        return f"https://{host}/{path}/-/blob/{{commit}}/{{path}}#L{{line}}"
    return None


def repository(design_dir: Path) -> Repository:
    """The commit being built and the origin's source links, when the design is in git."""
    from git import GitCommandError

    from designgate.gate.git import GitError, Repo

    try:
        repo = Repo(design_dir)
        commit = repo.head()
    except GitError:
        return Repository()
    try:
        urls = list(repo.repo.remotes["origin"].urls) if "origin" in repo.repo.remotes else []
    except (ValueError, OSError, GitCommandError):  # an unreadable remote: no links
        urls = []
    return Repository(commit, source_template(urls[0]) if urls else None)


def default_source_url(report: Report, repo: Repository) -> str | None:
    """Where source lines are when nothing configures it: the design's own ``repo_url``,
    else git's origin remote (GitHub or GitLab), at the commit being built."""
    project_repo = report.design.project.repo_url.rstrip("/")
    if project_repo:
        return f"{project_repo}/blob/{{commit}}/{{path}}#L{{line}}"
    return repo.source_url


def _mermaid_tag(page: str) -> str:
    here = posixpath.dirname(page) or "."
    return "".join(f'\n<script src="{posixpath.relpath(js, here)}"></script>'
                   for js in (MERMAID, MERMAID_INIT)) + "\n"


#: Zensical (0.0.73) writes a page's title into ``<title>`` and the navigation unescaped,
#: whether it comes from the front matter or from the first heading's text (where the
#: templates' escaping is undone): a design name holding ``</title><script>`` would run as
#: a script. Each page therefore states its title, with these characters replaced by
#: look-alikes that no HTML parser reads as markup.
_TITLE_SAFE = str.maketrans({"<": "‹", ">": "›", "&": "＆", '"': "”", "'": "’", "\\": "＼"})


def safe_title(title: str) -> str:
    """``title`` with the characters Zensical would read as markup replaced."""
    return " ".join(title.translate(_TITLE_SAFE).split())


def site_files(site: Site, mermaid_js: Path | None) -> dict[str, str | bytes]:
    """Every file of the pages' folder, by path inside it: the pages, the contract files,
    the stylesheet, and a local Mermaid that the pages with a diagram load."""
    out: dict[str, str | bytes] = {}
    for p in site.pages:
        markdown = p.source(title=safe_title(p.title))
        if mermaid_js is not None and 'class="mermaid"' in markdown:
            markdown += _mermaid_tag(p.path)
        out[p.path] = markdown
    for f in site.files:
        out[f.path] = f.content
    out[CSS] = (ASSETS / "designgate.css").read_text(encoding="utf-8")
    out[JS] = (ASSETS / "designgate.js").read_text(encoding="utf-8")
    if mermaid_js is not None:
        out[MERMAID] = mermaid_js.read_bytes()
        out[MERMAID_INIT] = (ASSETS / "mermaid-init.js").read_text(encoding="utf-8")
    return out


def write_pages(report: Report, out: Path, options: SiteOptions | None = None, *,
                mermaid_js: Path | None = None, force: bool = False) -> list[Path]:
    """Write the design site's pages into ``out``; returns the files written.

    Raises ``PagesError`` before writing anything when a file to write exists and was not
    written here before (unless ``force``), or when ``out`` is a file."""
    if out.exists() and not out.is_dir():
        raise PagesError(f"'{out}' is a file, not a folder")
    if mermaid_js is not None and not mermaid_js.is_file():
        raise PagesError(f"the Mermaid script '{mermaid_js}' does not exist "
                         "(npm install mermaid@11 gives node_modules/mermaid/dist/"
                         "mermaid.min.js)")
    options = replace(options or SiteOptions(), pages_dir="", mermaid=mermaid_js is not None,
                      raw_links="md")
    site = build_site(report, options)
    files = site_files(site, mermaid_js)
    manifest = out / MANIFEST
    previous = set(manifest.read_text(encoding="utf-8").split("\n")) - {""} \
        if manifest.is_file() else set()
    foreign = sorted(p for p in files if (out / p).exists() and p not in previous)
    if foreign and not force:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise PagesError(f"'{out / foreign[0]}'{more} exists and designgate did not write "
                         "it; pick another folder or pass --force to replace it")
    written: list[Path] = []
    try:
        for rel, content in files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            written.append(path)
        root = out.resolve()
        for stale in sorted(previous - set(files)):
            path = (out / stale).resolve()
            if path.is_relative_to(root) and path != root / MANIFEST:
                path.unlink(missing_ok=True)
        manifest.write_text("".join(f"{p}\n" for p in sorted(files)), encoding="utf-8")
    except OSError as exc:
        raise PagesError(f"cannot write the pages into '{out}': {exc.strerror or exc}") from None
    return written


__all__ = ["CSS", "JS", "MANIFEST", "MERMAID", "GateView", "PagesError", "Repository",
           "default_source_url", "gate_view", "repository", "safe_title", "site_files", "source_template", "write_pages"]
