"""The Impact/Effort chart: a well-formed, safe, deterministic inline SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from designgate import load_design
from designgate.load.yaml_source import YamlDocument
from designgate.model.design import Endpoint
from designgate.model.source import Loc, Source
from designgate.render.chart import impact_effort_svg

SVG = "{http://www.w3.org/2000/svg}"
DESIGN = Path(__file__).resolve().parent.parent / "design"
LOC = Loc(Source(Path("design/api/test.yaml"), "design/api/test.yaml", YamlDocument()))


def ep(
    id: str,
    impact: int | None,
    effort: int | None,
    *,
    method: str = "GET",
    path: str | None = None,
    summary: str = "",
) -> Endpoint:
    """An endpoint with only what the chart reads filled in."""
    return Endpoint(
        id=id, method=method, path=path if path is not None else f"/{id}", summary=summary,
        description="", tags=[], fr_ids=[], permission=None, singleton=False, path_params={},
        filters=[], sorts=[], query=[], pagination=None, request=None, response=None,
        errors=[], tables=[], impact=impact, effort=effort, deprecated=False, openapi={},
        resource=None, loc=LOC,
    )


def link(e: Endpoint) -> str:
    return f"endpoints/#ep-{e.id}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def markers(root: ET.Element) -> list[ET.Element]:
    return [c for c in root.iter(f"{SVG}circle") if "dg-pt" in c.get("class", "").split()]


def marker_of(root: ET.Element, needle: str) -> ET.Element:
    """The one marker whose tooltip contains ``needle``."""
    hits = [c for c in markers(root) if needle in (c.findtext(f"{SVG}title") or "")]
    assert len(hits) == 1, needle
    return hits[0]


def xy(el: ET.Element) -> tuple[float, float]:
    return float(el.get("cx", "nan")), float(el.get("cy", "nan"))


def quadrant_box(root: ET.Element, css: str) -> tuple[float, float, float, float]:
    rect = next(r for r in root.iter(f"{SVG}rect")
                if {"dg-quadrant", css} <= set(r.get("class", "").split()))
    x, y = float(rect.get("x", "0")), float(rect.get("y", "0"))
    return x, y, x + float(rect.get("width", "0")), y + float(rect.get("height", "0"))


def inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    return box[0] < point[0] < box[2] and box[1] < point[1] < box[3]


def label_counts(root: ET.Element) -> dict[str, str]:
    """Quadrant label text ("Quick Wins") -> its count text ("(2)")."""
    out = {}
    for t in root.iter(f"{SVG}text"):
        if "dg-quadrant-label" in t.get("class", "").split():
            spans = list(t.iter(f"{SVG}tspan"))
            out[spans[0].text or ""] = spans[1].text or ""
    return out


SAMPLE = [
    ep("quickA", 5, 1, summary="Quick one"),
    ep("quickB", 4, 2),
    ep("major", 5, 5),
    ep("fill", 1, 1),
    ep("thankless", 1, 5, method="DELETE", path="/things/{id}", summary="Drop a thing"),
    ep("unscored", None, 3),
    ep("noEffort", 4, None),
]


def test_one_marker_and_link_per_scored_endpoint() -> None:
    root = parse(impact_effort_svg(SAMPLE, link=link))
    assert len(markers(root)) == 5
    hrefs = sorted(a.get("href", "") for a in root.iter(f"{SVG}a"))
    assert hrefs == sorted(f"endpoints/#ep-{i}"
                           for i in ("quickA", "quickB", "major", "fill", "thankless"))
    # Each link wraps exactly the marker of its endpoint.
    for a in root.iter(f"{SVG}a"):
        (circle,) = list(a)
        assert circle.tag == f"{SVG}circle"
        path = next(e.path for e in SAMPLE if link(e) == a.get("href"))
        assert f" {path} " in (circle.findtext(f"{SVG}title") or "")


def test_no_links_without_link_function() -> None:
    root = parse(impact_effort_svg(SAMPLE))
    assert len(markers(root)) == 5
    assert list(root.iter(f"{SVG}a")) == []


def test_tooltip_names_the_endpoint_and_scores() -> None:
    root = parse(impact_effort_svg(SAMPLE))
    tip = marker_of(root, "/things/{id}").findtext(f"{SVG}title")
    assert tip == "DELETE /things/{id} — Drop a thing (impact 1, effort 5)"
    assert marker_of(root, "/quickB").findtext(f"{SVG}title") == "GET /quickB (impact 4, effort 2)"


def test_quadrant_labels_count_their_endpoints() -> None:
    root = parse(impact_effort_svg(SAMPLE))
    assert label_counts(root) == {"Quick Wins": "(2)", "Major Projects": "(1)",
                                  "Fill-Ins": "(1)", "Thankless Tasks": "(1)"}
    assert "5 scored endpoints" in root.get("aria-label", "")


def test_markers_sit_in_their_quadrant() -> None:
    root = parse(impact_effort_svg(SAMPLE))
    top_left = quadrant_box(root, "dg-q-quick-win")
    bottom_right = quadrant_box(root, "dg-q-thankless-task")
    quick, thankless = xy(marker_of(root, "/quickA")), xy(marker_of(root, "/things/"))
    assert inside(quick, top_left)
    assert inside(thankless, bottom_right)
    # The chart's own frame: top-left really is up and left of bottom-right.
    assert quick[0] < thankless[0] and quick[1] < thankless[1]
    assert inside(xy(marker_of(root, "/major")), quadrant_box(root, "dg-q-major-project"))
    assert inside(xy(marker_of(root, "/fill")), quadrant_box(root, "dg-q-fill-in"))
    for needle, css in (("/quickA", "dg-q-quick-win"), ("/major", "dg-q-major-project"),
                        ("/fill", "dg-q-fill-in"), ("/things/", "dg-q-thankless-task")):
        assert css in marker_of(root, needle).get("class", "").split()


def test_axes_run_low_to_high() -> None:
    def at(impact: int, effort: int) -> tuple[float, float]:
        root = parse(impact_effort_svg([ep("x", impact, effort)]))
        return xy(markers(root)[0])

    xs = [at(3, effort)[0] for effort in range(1, 6)]
    ys = [at(impact, 3)[1] for impact in range(1, 6)]
    assert xs == sorted(xs) and len(set(xs)) == 5  # effort grows to the right
    assert ys == sorted(ys, reverse=True) and len(set(ys)) == 5  # impact grows upwards


def test_endpoints_sharing_a_cell_do_not_overlap() -> None:
    eps = [ep(f"e{i}", 2, 1) for i in range(40)]
    root = parse(impact_effort_svg(eps))
    circles = markers(root)
    assert len(circles) == 40
    points = [xy(c) for c in circles]
    r = float(circles[0].get("r", "0"))
    assert r > 0
    for i, (x1, y1) in enumerate(points):
        for x2, y2 in points[i + 1:]:
            assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= (2 * r) ** 2
    # ... and the cluster stays inside the 2x2 quadrant it belongs to.
    box = quadrant_box(root, "dg-q-fill-in")
    assert all(inside(p, box) for p in points)


def test_two_in_one_cell_get_distinct_positions() -> None:
    root = parse(impact_effort_svg([ep("a", 3, 3), ep("b", 3, 3)]))
    a, b = xy(marker_of(root, "/a ")), xy(marker_of(root, "/b "))
    assert a != b


def test_crowded_cell_shows_an_overflow_marker() -> None:
    eps = [ep(f"e{i:03}", 5, 1) for i in range(100)] + [ep("alone", 1, 5)]
    root = parse(impact_effort_svg(eps, link=link))
    overflow = [g for g in root.iter(f"{SVG}g") if "dg-overflow" in g.get("class", "").split()]
    assert len(overflow) == 1
    shown = len(markers(root)) - 1  # minus the lone endpoint
    assert 0 < shown < 100
    text = overflow[0].find(f"{SVG}text")
    assert text is not None and text.text == f"+{100 - shown}"
    assert len(list(root.iter(f"{SVG}a"))) == shown + 1
    # Counts cover every endpoint, drawn or not.
    assert label_counts(root)["Quick Wins"] == "(100)"


def test_out_of_range_scores_sit_on_the_edge() -> None:
    root = parse(impact_effort_svg([ep("high", 9, 0), ep("edge", 5, 1), ep("low", -2, 12)]))
    assert len(markers(root)) == 3
    high, edge = marker_of(root, "/high"), marker_of(root, "/edge")
    assert high.get("cy") == edge.get("cy")  # same row as impact 5
    assert abs(float(high.get("cx", "0")) - float(edge.get("cx", "0"))) < 20  # same cell
    assert inside(xy(marker_of(root, "/low")), quadrant_box(root, "dg-q-thankless-task"))
    assert "impact 9, effort 0" in (high.findtext(f"{SVG}title") or "")


def test_empty_design_renders_an_empty_chart() -> None:
    root = parse(impact_effort_svg([ep("x", None, None)]))
    assert markers(root) == []
    assert set(label_counts(root).values()) == {"(0)"}


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_design_text_is_escaped() -> None:
    bad = ep(f"id{HOSTILE}", 5, 1, method="GET", path=f"/x{HOSTILE}",
             summary=f"javascript:alert(3) {HOSTILE}")
    svg = impact_effort_svg([bad], link=lambda e: f"endpoints/#ep-{e.id}",
                            title=f"Chart {HOSTILE}")
    assert "<script" not in svg and "<img" not in svg
    assert HOSTILE not in svg
    root = parse(svg)  # still well-formed
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= ALLOWED_TAGS
    # The text survives as text, for the tooltip and the link.
    assert HOSTILE in (markers(root)[0].findtext(f"{SVG}title") or "")
    (a,) = root.iter(f"{SVG}a")
    assert a.get("href") == f"endpoints/#ep-id{HOSTILE}"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>x</script>",
    "vbscript:x", "",
])
def test_unsafe_link_is_not_emitted(url: str) -> None:
    svg = impact_effort_svg([ep("a", 5, 1)], link=lambda e: url)
    root = parse(svg)
    assert list(root.iter(f"{SVG}a")) == []
    assert len(markers(root)) == 1
    assert "script:" not in svg.lower() and "data:" not in svg


@pytest.mark.parametrize("url", [
    "endpoints/#ep-a", "#ep-a", "/site/endpoints/", "../endpoints/?x=a:b",
    "https://example.com/a", "HTTP://example.com/a",
])
def test_safe_link_is_emitted(url: str) -> None:
    root = parse(impact_effort_svg([ep("a", 5, 1)], link=lambda e: url))
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == [url]


def test_xml_invalid_characters_do_not_break_the_document() -> None:
    root = parse(impact_effort_svg([ep("a", 5, 1, summary="bell\x07 and \ud800")]))
    assert len(markers(root)) == 1


ALLOWED_TAGS = {"svg", "g", "rect", "line", "circle", "text", "tspan", "title", "a"}


def test_only_safe_markup() -> None:
    eps = [*SAMPLE, *(ep(f"c{i}", 3, 3) for i in range(60))]
    svg = impact_effort_svg(eps, link=link)
    root = parse(svg)
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= ALLOWED_TAGS
    for el in root.iter():
        for name in el.attrib:
            assert name != "style" and not name.lower().startswith("on"), (el.tag, name)
            assert not name.startswith("{"), (el.tag, name)  # no xlink: or other namespaces
    assert "xlink" not in svg and "<style" not in svg and "<script" not in svg
    assert "url(" not in svg  # no external (or internal) resource references


def test_responsive_accessible_root() -> None:
    root = parse(impact_effort_svg(SAMPLE, title="Tasks API"))
    assert root.tag == f"{SVG}svg"
    # A group, not an image: it holds links (an img's children are presentational, so links
    # inside one are "nested interactive" for assistive technology).
    assert root.get("role") == "group"
    assert root.get("aria-label", "").startswith("Tasks API:")
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    vb_width = float(root.get("viewBox", "").split()[2])
    # Every font renders at >= 9 px when the chart is 390 px wide.
    sizes = [float(el.get("font-size", "100")) for el in root.iter() if el.get("font-size")]
    assert sizes and min(sizes) * 390 / vb_width >= 9
    # Explicit colours: right without any stylesheet.
    assert all(c.get("fill", "").startswith("#") for c in markers(root))


def test_output_is_deterministic_and_line_broken() -> None:
    eps = [ep(f"e{i}", i % 7 - 1, (i * 3) % 6, summary=f"s{i}") for i in range(300)]
    first = impact_effort_svg(eps, link=link)
    assert first == impact_effort_svg(list(eps), link=link)
    assert max(len(line) for line in first.splitlines()) < 400


def test_size_stays_small_for_a_large_design() -> None:
    eps = [ep(f"operation{i:04}", 1 + i % 5, 1 + (i // 5) % 5, method="POST",
              path=f"/resources/{i}/sub-resources", summary=f"Do operation number {i}")
           for i in range(2000)]
    svg = impact_effort_svg(eps, link=link)
    root = parse(svg)
    assert len(markers(root)) < 1000  # crowded cells collapse into "+N"
    assert len(svg.encode()) < 300_000


def test_example_design() -> None:
    endpoints = load_design(DESIGN).design.endpoints
    scored = [e for e in endpoints if e.impact is not None and e.effort is not None]
    assert scored
    root = parse(impact_effort_svg(endpoints, link=link))
    assert len(markers(root)) == len(scored)
    assert len(list(root.iter(f"{SVG}a"))) == len(scored)
    counts = label_counts(root)
    for label, quadrant in (("Quick Wins", "Quick Win"), ("Major Projects", "Major Project"),
                            ("Fill-Ins", "Fill-In"), ("Thankless Tasks", "Thankless Task")):
        assert counts[label] == f"({sum(e.quadrant == quadrant for e in scored)})"
    # No two markers share a position.
    assert len({xy(c) for c in markers(root)}) == len(scored)
