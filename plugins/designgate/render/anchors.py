"""Links into a page that lands nowhere: an ``href`` whose fragment names no ``id`` of the
page it points at. MkDocs validates the anchors of Markdown links only; the design pages also
write links in raw HTML (tables, the API reference's templates), so the site checks every
fragment link of its pages itself once they are rendered."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

_ID = re.compile(r"""\s(?:id|name)=["']([^"']+)["']""")
_HREF = re.compile(r"""\shref=["']([^"']*#[^"']*)["']""")


def _key(url: str) -> str:
    url = posixpath.normpath(url) if url else ""
    if posixpath.basename(url) == "index.html":
        url = posixpath.dirname(url)
    return "" if url == "." else url


@dataclass
class AnchorCheck:
    """Collects the ids and fragment links of rendered pages, then lists the dead links."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)

    def add(self, url: str, html: str) -> None:
        """The content HTML of the page at ``url`` (site-relative, as MkDocs writes it)."""
        self.ids[_key(url)] = set(_ID.findall(html))
        self.links += [(url, href) for href in _HREF.findall(html)]

    def dead(self) -> list[tuple[str, str]]:
        """(page url, href) of every fragment link into a checked page that has no such id;
        links to other pages, other sites or pages not checked are not judged."""
        out: list[tuple[str, str]] = []
        for url, href in self.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("/"):
                continue
            if parts.path:
                base = url if url.endswith("/") or not url else posixpath.dirname(url) + "/"
                target = _key(posixpath.join(base, parts.path))
            else:
                target = _key(url)
            ids = self.ids.get(target)
            if ids is not None and unquote(parts.fragment) not in ids:
                out.append((url, href))
        return out
