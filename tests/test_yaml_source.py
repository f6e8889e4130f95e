"""The marked YAML reader: positions, YAML 1.2 scalars, merge keys, and hostile input."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import pytest
import yaml
from designgate.load import yaml_source
from designgate.load.yaml_source import ALIAS_BUDGET, MAX_DEPTH, YamlDocument, read_yaml
from support import FIXTURES

LOADER = FIXTURES / "loader"


@pytest.fixture(params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml's parser and with PyYAML's own: both must behave."""
    if request.param == "libyaml":
        if not yaml.__with_libyaml__:
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(yaml_source, "_Loader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(yaml_source, "_Loader", yaml.SafeLoader)
    return str(request.param)


def problems(doc: YamlDocument) -> list[tuple[str, int, int]]:
    return [(p.kind, p.line, p.column) for p in doc.problems]


# --- positions ---------------------------------------------------------------------------

NESTED = """\
a:
  b:
    - x
    - {c: 1, d: [2, 3]}
  e:
    f: true
"""


def test_spans_of_nested_values_and_sequence_items() -> None:
    doc = read_yaml(NESTED)
    assert doc.problems == []
    assert doc.data == {"a": {"b": ["x", {"c": 1, "d": [2, 3]}], "e": {"f": True}}}
    assert doc.spans[()] == (1, 1)
    assert doc.spans[("a", "b")] == (3, 5)  # the block sequence starts at its first '-'
    assert doc.spans[("a", "b", 0)] == (3, 7)
    assert doc.spans[("a", "b", 1)] == (4, 7)  # the flow mapping's '{'
    assert doc.spans[("a", "b", 1, "c")] == (4, 11)
    assert doc.spans[("a", "b", 1, "d")] == (4, 17)
    assert doc.spans[("a", "b", 1, "d", 1)] == (4, 21)
    assert doc.spans[("a", "e", "f")] == (6, 8)


def test_key_spans_point_at_the_key() -> None:
    doc = read_yaml(NESTED)
    assert doc.key_spans[("a",)] == (1, 1)
    assert doc.key_spans[("a", "b")] == (2, 3)
    assert doc.key_spans[("a", "b", 1, "d")] == (4, 14)
    assert doc.key_spans[("a", "e", "f")] == (6, 5)
    # Sequence items have no key.
    assert ("a", "b", 0) not in doc.key_spans


def test_position_falls_back_to_nearest_written_ancestor() -> None:
    doc = read_yaml(NESTED)
    assert doc.position(("a", "e", "missing", 3)) == (6, 5)
    assert doc.position(("a", "e", "f"), key=True) == (6, 5)
    assert doc.position(("a", "e", "f")) == (6, 8)
    assert doc.position(("nope",)) == (1, 1)


def test_positions_after_comments_and_blank_lines() -> None:
    doc = read_yaml("# header\n\nkind: flows   # trailing\nflows:\n  - id: UF-01\n")
    assert doc.spans[()] == (3, 1)
    assert doc.spans[("kind",)] == (3, 7)
    assert doc.spans[("flows", 0, "id")] == (5, 9)


# --- YAML 1.2 core schema ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("2026-01-01", "2026-01-01"),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"),
        ("12:30", "12:30"),  # YAML 1.1 sexagesimal 750; a plain string in 1.2
        ("1_000", "1_000"),
        ("0x1f", 31),
        ("0o17", 15),
        ("017", 17),  # YAML 1.2 has no leading-zero octal
        ("-42", -42),
        ("+7", 7),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("0.1.0", "0.1.0"),
    ],
)
def test_plain_scalars_resolve_as_yaml_1_2(text: str, expected: object) -> None:
    doc = read_yaml(f"v: {text}\n")
    assert doc.problems == []
    value = doc.data["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_special_floats() -> None:
    doc = read_yaml("a: .inf\nb: -.Inf\nc: .NaN\nd: +.inf\n")
    assert doc.data["a"] == math.inf
    assert doc.data["b"] == -math.inf
    assert math.isnan(doc.data["c"])
    assert doc.data["d"] == math.inf


def test_quoted_scalars_stay_strings() -> None:
    doc = read_yaml("a: '0x1f'\nb: \"true\"\nc: '.inf'\nd: \"null\"\n")
    assert doc.data == {"a": "0x1f", "b": "true", "c": ".inf", "d": "null"}


def test_standard_tags_are_honoured() -> None:
    doc = read_yaml('a: !!str 5\nb: !!int "7"\nc: !!float "2"\nd: !!bool true\ne: !!null ""\n')
    assert doc.problems == []
    assert doc.data == {"a": "5", "b": 7, "c": 2.0, "d": True, "e": None}
    assert isinstance(doc.data["c"], float)


def test_value_that_does_not_fit_its_tag() -> None:
    doc = read_yaml("a: 1\nb: !!int twelve\n")
    assert problems(doc) == [("tag", 2, 4)]
    assert "twelve" in doc.problems[0].message


# --- merge keys --------------------------------------------------------------------------


def test_merge_key_copies_missing_keys_and_explicit_keys_win() -> None:
    doc = read_yaml(
        "base: &base {method: GET, summary: Base, tags: [x]}\n"
        "item:\n"
        "  summary: Mine\n"
        "  <<: *base\n"
        "  path: /p\n"
    )
    assert doc.problems == []
    assert doc.data["item"] == {"summary": "Mine", "path": "/p", "method": "GET", "tags": ["x"]}
    assert "<<" not in doc.data["item"]
    # Explicit keys keep their own positions; merged ones resolve to the mapping.
    assert doc.spans[("item", "summary")] == (3, 12)
    assert doc.position(("item", "method")) == doc.spans[("item",)] == (3, 3)


def test_merge_key_with_a_list_earlier_maps_take_precedence() -> None:
    doc = read_yaml(
        "a: &a {x: 1, y: 1}\n"
        "b: &b {y: 2, z: 2}\n"
        "c:\n"
        "  <<: [*a, *b]\n"
        "  z: 3\n"
    )
    assert doc.problems == []
    assert doc.data["c"] == {"z": 3, "x": 1, "y": 1}


def test_explicit_key_equal_to_a_merged_key_is_not_a_duplicate() -> None:
    doc = read_yaml("a: &a {k: 1}\nb:\n  <<: *a\n  k: 2\n")
    assert doc.problems == []
    assert doc.data["b"] == {"k": 2}


# --- problems ----------------------------------------------------------------------------


def test_duplicate_key_reports_second_with_line_of_first_and_keeps_first(parser: str) -> None:
    doc = read_yaml("a:\n  b: 1\n  c: 2\n  b: 3\n")
    assert problems(doc) == [("duplicate-key", 4, 3)]
    assert "line 2" in doc.problems[0].message
    assert doc.data == {"a": {"b": 1, "c": 2}}


def test_duplicate_key_holding_a_mapping_leaves_no_trace_in_data() -> None:
    doc = read_yaml("a:\n  x: 1\na:\n  y: {z: 2}\n")
    assert problems(doc) == [("duplicate-key", 3, 1)]
    assert doc.data == {"a": {"x": 1}}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        # A key indented less than its siblings.
        ("flows:\n  - id: a\n    name: b\n   bad: 1\n", 4, 4),
        # An unclosed quote is reported where the quoted scalar starts, not at end of file.
        ('flows:\n  - id: "UF-01\n    name: b\n', 2, 9),
        # An unclosed flow sequence.
        ("flows: [a, b\nother: 1\n", 2, 6),
        # A tab used for indentation.
        ("flows:\n\t- id: a\n", 2, 1),
        # A key without a value separator in block context.
        ("a: 1\nb\nc: 2\n", 2, 1),
    ],
)
def test_syntax_errors_have_a_position(text: str, line: int, column: int, parser: str) -> None:
    doc = read_yaml(text)
    assert problems(doc) == [("syntax", line, column)]
    assert doc.problems[0].message.startswith("YAML syntax error:")
    assert doc.data is None


def test_two_documents_in_one_file(parser: str) -> None:
    doc = read_yaml("kind: flows\nflows: []\n---\nkind: screens\n")
    assert problems(doc) == [("syntax", 3, 1)]
    assert "more than one YAML document" in doc.problems[0].message
    assert doc.data is None


def test_one_document_with_explicit_markers_is_fine() -> None:
    doc = read_yaml("---\nkind: flows\n...\n")
    assert doc.problems == []
    assert doc.data == {"kind": "flows"}


def test_control_character_is_reported_where_it_is(parser: str) -> None:
    doc = read_yaml("a: 1\nb: ééé\x07x\n")
    assert problems(doc) == [("syntax", 2, 7)]
    assert "U+0007" in doc.problems[0].message


def test_self_referencing_alias_is_an_error_not_a_loop(parser: str) -> None:
    doc = read_yaml("a: &a [1, *a]\n")
    assert problems(doc) == [("syntax", 1, 11)]
    assert doc.data is None


def test_complex_key_is_rejected(parser: str) -> None:
    doc = read_yaml("? [a, b]\n: 1\n")
    assert problems(doc) == [("key-type", 1, 3)]


def test_billion_laughs_stops_and_returns_nothing(parser: str) -> None:
    text = (LOADER / "billion_laughs.yaml").read_text(encoding="utf-8")
    tracemalloc.start()
    try:
        doc = read_yaml(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Fully expanded this is 10^9 strings; reading it stays in the low megabytes.
    assert peak < 20 * 2**20
    assert [p.kind for p in doc.problems] == ["alias-bomb"]
    assert str(ALIAS_BUDGET) in doc.problems[0].message
    # The expansion stops at the first alias that exceeds the budget (the "f" row).
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("f:"))
    assert doc.problems[0].line == line
    assert doc.data is None


def test_aliases_within_budget_are_shared_not_copied() -> None:
    doc = read_yaml("a: &a [1, 2, 3]\nb: [*a, *a, *a]\n")
    assert doc.problems == []
    assert doc.data["b"] == [[1, 2, 3]] * 3
    assert doc.data["b"][0] is doc.data["a"]


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_ten_thousand_nested_flow_collections(opener: str, parser: str) -> None:
    closer = "]" if opener == "[" else "}"
    doc = read_yaml("v: " + opener * 10_000 + closer * 10_000 + "\n")
    assert [p.kind for p in doc.problems] == ["too-deep"]
    assert doc.problems[0].line == 1
    assert doc.data is None


def test_deep_block_nesting_stops_at_max_depth(parser: str) -> None:
    depth = MAX_DEPTH + 20
    text = "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v: 1\n"
    doc = read_yaml(text)
    assert problems(doc) == [("too-deep", MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)]
    assert doc.data is None


def test_python_tags_are_never_constructed(tmp_path: Path, parser: str) -> None:
    marker = tmp_path / "pwned"
    doc = read_yaml(
        f"a: !!python/object/apply:os.system ['touch {marker}']\n"
        "b: !!python/name:os.system\n"
        "c: !Ref Other\n"
    )
    assert problems(doc) == [("tag", 1, 4), ("tag", 2, 4), ("tag", 3, 4)]
    assert "python/object/apply:os.system" in doc.problems[0].message
    assert not marker.exists()
    # The data holds plain values only.
    assert doc.data == {"a": [f"touch {marker}"], "b": "", "c": "Other"}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_documents_have_no_data_and_no_problem(text: str) -> None:
    doc = read_yaml(text)
    assert doc.problems == []
    assert doc.data is None
