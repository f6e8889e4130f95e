"""Bad input never produces a traceback (PRODUCT.md §8).

A deterministic mutation fuzzer: every node of every design file (mapping values, list
items) is replaced by values of the other JSON types, every mapping key is deleted and every
list item duplicated; the mutated file is written back and the design is checked and built.
Nothing may raise — a wrongly shaped value must become a finding, never an exception; one
variant in SITE_EVERY also renders the site, which must still build (the MkDocs plugin renders
designs with errors when `fail_on` allows it).
Every node of the scaffold is mutated (with a rotating share of the replacement values, to
keep the suite fast); from the larger example design a seeded sample is taken.

Then the whole process: inputs that are not design files at all must end in exit code 1 with
findings, or exit code 2 with one `designgate: error:` line — never a traceback.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from designgate import DesignLoadError, check_design
from designgate.cli.main import cli
from designgate.generate.output import artifacts
from designgate.render.site import build_site
from support import REPO, SCAFFOLD, assert_finding, check

EXAMPLE = REPO / "design"
#: One value of every JSON type (and the integer edge cases) that replaces each node.
REPLACEMENTS: tuple[Any, ...] = (
    None, True, 0, -1, 99999999999999999999, 1.5, "", "x", [], [1], {}, {"a": 1},
)
#: Replacement values applied to each scaffold node, rotating through REPLACEMENTS so that
#: every value meets every kind of node; all 12 on all ~640 nodes would take minutes.
PER_NODE = 3
#: Every SITE_EVERY-th variant also renders the site (a tenth of a second each).
SITE_EVERY = 25
#: Size of the seeded sample of the example design's variants.
EXAMPLE_SAMPLE = 300
SEED = 20261125

try:  # libyaml's emitter: writing the mutated file back is otherwise half the run time
    _Dumper: type[yaml.SafeDumper] = yaml.CSafeDumper  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Dumper = yaml.SafeDumper

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Mutation:
    """One variant of one file: ``op`` is "replace", "delete" or "duplicate"."""

    file: str  # relative to the design directory
    path: Path_
    op: str
    value: Any = None

    def describe(self, design_name: str) -> str:
        what = f"replaced by {self.value!r}" if self.op == "replace" else self.op
        return f"{design_name}/{self.file} {pointer(self.path) or '/'} {what}"

    def apply(self, data: Any) -> Any:
        new = copy.deepcopy(data)
        parent = new
        for part in self.path[:-1]:
            parent = parent[part]
        last = self.path[-1]
        if self.op == "replace":
            parent[last] = copy.deepcopy(self.value)
        elif self.op == "delete":
            del parent[last]
        else:
            parent.insert(last + 1, copy.deepcopy(parent[last]))
        return new


def pointer(path: Path_) -> str:
    """RFC 6901 JSON pointer of ``path``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def nodes(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every node below the root (mapping values and list items), depth first."""
    children: Any = ()
    if isinstance(data, dict):
        children = data.items()
    elif isinstance(data, list):
        children = enumerate(data)
    for key, value in children:
        yield (*path, key), value
        yield from nodes(value, (*path, key))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def mutations(file: str, data: Any, values: Any = None) -> Iterator[Mutation]:
    """The variants of one file; ``values(n)`` picks the replacements of the n-th node."""
    for n, (path, node) in enumerate(nodes(data)):
        chosen = REPLACEMENTS if values is None else values(n)
        for value in chosen:
            if not _same(value, node):
                yield Mutation(file, path, "replace", value)
        yield Mutation(file, path, "delete" if isinstance(path[-1], str) else "duplicate")


def _rotating(n: int) -> tuple[Any, ...]:
    return tuple(REPLACEMENTS[(n * PER_NODE + j) % len(REPLACEMENTS)] for j in range(PER_NODE))


def _files(design_dir: Path) -> list[str]:
    return sorted(p.relative_to(design_dir).as_posix() for p in design_dir.rglob("*.yaml"))


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _exercise(design_dir: Path, site: bool) -> int:
    """Check and build ``design_dir`` like `designgate build` does (every artifact, SQL
    included) and, if ``site``, render its site pages; the number of findings."""
    report = check_design(design_dir)
    for produce in artifacts(report.design).values():
        produce()
    if site:
        build_site(report)
    return len(report.findings)


def _crash(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]} (at {where})"


def run_mutations(design_dir: Path, label: str, todo: list[Mutation]) -> None:
    """Apply each mutation to a fresh copy of its file; assert none of them raises."""
    originals: dict[str, tuple[str, Any]] = {}
    failures: list[str] = []
    with_findings = 0
    for n, mutation in enumerate(todo):
        path = design_dir / mutation.file
        if mutation.file not in originals:
            text = path.read_text(encoding="utf-8")
            originals[mutation.file] = (text, yaml.safe_load(text))
        data = mutation.apply(originals[mutation.file][1])
        path.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        try:
            with_findings += _exercise(design_dir, site=n % SITE_EVERY == 0) > 0
        except Exception as exc:  # the very thing under test: report every one
            failures.append(f"{mutation.describe(label)}: {_crash(exc)}")
        path.write_text(originals[mutation.file][0], encoding="utf-8")
    assert not failures, f"{len(failures)} of {len(todo)} variants crashed:\n" + "\n".join(
        failures[:30])
    # The mutations reached the checker: most of them are reported as findings.
    assert todo and with_findings >= len(todo) // 2, (with_findings, len(todo))


# --- the scaffold: every node -------------------------------------------------------------


def _scaffold_plan() -> dict[str, list[Mutation]]:
    plan: dict[str, list[Mutation]] = {}
    n0 = 0  # the rotation runs across files, so each file starts where the last one ended
    for file in _files(SCAFFOLD):
        data = _load(SCAFFOLD / file)
        count = sum(1 for _ in nodes(data))
        plan[file] = list(mutations(file, data, lambda n, n0=n0: _rotating(n0 + n)))
        n0 += count
    return plan


SCAFFOLD_PLAN = _scaffold_plan()


def test_scaffold_plan_covers_every_node_and_value() -> None:
    nodes_seen = {(m.file, m.path) for ms in SCAFFOLD_PLAN.values() for m in ms}
    every = {(f, p) for f in _files(SCAFFOLD) for p, _ in nodes(_load(SCAFFOLD / f))}
    assert nodes_seen == every
    used = [m.value for ms in SCAFFOLD_PLAN.values() for m in ms if m.op == "replace"]
    for value in REPLACEMENTS:
        assert sum(_same(value, u) for u in used) >= 50, value
    assert {m.op for ms in SCAFFOLD_PLAN.values() for m in ms} == {
        "replace", "delete", "duplicate"}


@pytest.mark.parametrize("file", sorted(SCAFFOLD_PLAN))
def test_scaffold_mutations_never_crash(design: Path, file: str) -> None:
    assert check(design).findings == []  # the baseline is clean: findings come from the mutation
    run_mutations(design, "design", SCAFFOLD_PLAN[file])


# --- the example design: a seeded sample --------------------------------------------------


def _example_plan() -> dict[str, list[Mutation]]:
    """A seeded sample of EXAMPLE_SAMPLE variants, spread over the files by their size."""
    everything = {f: list(mutations(f, _load(EXAMPLE / f))) for f in _files(EXAMPLE)}
    total = sum(len(ms) for ms in everything.values())
    rng = random.Random(SEED)
    return {
        f: rng.sample(ms, min(len(ms), max(3, round(EXAMPLE_SAMPLE * len(ms) / total))))
        for f, ms in everything.items()
    }


EXAMPLE_PLAN = _example_plan()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "design"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.mark.parametrize("file", sorted(EXAMPLE_PLAN))
def test_example_mutations_never_crash(example: Path, file: str) -> None:
    run_mutations(example, "design", EXAMPLE_PLAN[file])


def test_example_sample_size() -> None:
    assert EXAMPLE_SAMPLE <= sum(len(ms) for ms in EXAMPLE_PLAN.values()) < EXAMPLE_SAMPLE + 100


# --- inputs that are no design at all: the whole process ----------------------------------


def designgate(*args: str | Path, prefix: tuple[str, ...] = (),
               cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "designgate", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


def assert_no_crash(proc: subprocess.CompletedProcess[str]) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream and "internal error" not in stream, stream[-2000:]


def assert_error_line(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2 and exactly one `designgate: error:` line, the last line of stderr."""
    assert_no_crash(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    lines = proc.stderr.splitlines()
    errors = [line for line in lines if line.startswith("designgate:")]
    assert len(errors) == 1 and lines[-1] == errors[0], proc.stderr
    assert errors[0].startswith("designgate: error: "), errors[0]
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def assert_findings(proc: subprocess.CompletedProcess[str], rule: str, file: str) -> None:
    """Exit 1 and a finding of ``rule`` located in ``file`` (text format, on stdout)."""
    assert_no_crash(proc)
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    assert any(line.startswith(f"{file}:") and f" {rule} " in line
               for line in proc.stdout.splitlines()), proc.stdout[-2000:]


def test_design_dir_is_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "design").write_text("kind: project\n")
    assert_error_line(designgate("check", tmp_path / "design"), "is a file")
    with pytest.raises(DesignLoadError, match="is not a directory"):
        check_design(tmp_path / "design")


def _drop_root_privileges() -> tuple[str, ...]:
    """A command prefix under which file permissions apply even to root (or none needed)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, where chmod does not block reads, and no setpriv to "
                    "drop CAP_DAC_OVERRIDE")
    prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search",
              "--inh-caps=-dac_override,-dac_read_search")
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("running as root, where chmod does not block reads, and setpriv cannot "
                    "drop CAP_DAC_OVERRIDE here")
    return prefix


def test_unreadable_design_dir_and_folder_and_file(design: Path) -> None:
    prefix = _drop_root_privileges()
    locked = design.parent / "locked"
    locked.mkdir()
    (locked / "project.yaml").write_text("kind: project\n")
    (design / "prd.yaml").chmod(0)
    (design / "api").chmod(0)
    locked.chmod(0)
    try:
        assert_error_line(designgate("check", locked, prefix=prefix), "not readable")
        partial = designgate("check", design, prefix=prefix, cwd=design.parent)
        assert_findings(partial, "L007", "design/prd.yaml")
        assert_findings(partial, "L007", "design/api")
        assert "cannot read the folder (Permission denied)" in partial.stdout
    finally:
        for p in (locked, design / "api", design / "prd.yaml"):
            p.chmod(0o755)


def test_unreadable_folders_without_the_privilege_to_chmod(design: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """What the walk sees when a folder cannot be listed, simulated so it runs as root too."""
    real = os.scandir
    denied = {str(design / "api"), str(design.parent / "locked")}

    def scandir(path: Any = ".") -> Any:
        if str(path) in denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = check(design)
    f = assert_finding(report, "L007", "design/api", 1)
    assert f.message == ("cannot read the folder (Permission denied); its design files were "
                         "not loaded")
    (design.parent / "locked").mkdir()
    with pytest.raises(DesignLoadError) as err:
        check_design(design.parent / "locked")
    assert str(err.value) == f"cannot read '{design.parent / 'locked'}': Permission denied"
    result = CliRunner().invoke(cli, ["check", str(design.parent / "locked")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"designgate: error: {err.value}"]


def test_yaml_named_folder_is_a_finding(design: Path) -> None:
    (design / "extra.yaml").mkdir()
    (design / "extra.yaml" / "flows.yaml").write_text(
        (design / "flows.yaml").read_text().replace("UF-0", "UF-9"))
    proc = designgate("check", design, cwd=design.parent)
    assert_findings(proc, "L007", "design/extra.yaml")
    assert "it is a folder" in proc.stdout
    # The files inside it are still loaded (the flows it holds are there).
    assert any(f.id.startswith("UF-9") for f in check(design).design.flows)


def test_file_with_only_a_comment(design: Path) -> None:
    (design / "notes.yaml").write_text("# nothing here yet\n")
    assert_findings(designgate("check", design, cwd=design.parent), "L014", "design/notes.yaml")


def test_five_megabyte_file_of_endpoints(design: Path) -> None:
    endpoint = (
        "  - id: read{i}\n    method: GET\n    path: /records/r{i}\n    summary: Read {i}\n"
        "    description: Returns bulk record number {i} of a large design.\n"
        "    fr_ids: [FR-001]\n    permission: notes:read\n    response:\n      status: 200\n"
        "      schema: {{type: object, properties: {{id: {{type: string}}}}}}\n"
    )
    parts = ["kind: endpoints\nresource: {name: records, description: Many.}\nendpoints:\n"]
    size, i = 0, 0
    while size < 5_000_000:
        parts.append(endpoint.format(i=i))
        size += len(parts[-1])
        i += 1
    (design / "api" / "bulk.yaml").write_text("".join(parts))
    proc = designgate("check", design, cwd=design.parent)
    assert_findings(proc, "E002", "design/api/bulk.yaml")  # a response schema, no example


@pytest.mark.parametrize("kind", ["random", "control-characters", "nul"])
def test_binary_garbage(design: Path, kind: str) -> None:
    data = {
        "random": random.Random(SEED).randbytes(64_000),
        "control-characters": bytes(range(1, 32)) * 1000,
        "nul": b"kind: flows\x00\x00\n" * 10,
    }[kind]
    (design / "garbage.yaml").write_bytes(data)
    proc = designgate("check", design, cwd=design.parent)
    assert_no_crash(proc)
    assert proc.returncode == 1
    assert any(line.startswith("design/garbage.yaml:") for line in proc.stdout.splitlines())


def test_symlink_loops(design: Path) -> None:
    os.symlink("loop-b.yaml", design / "loop-a.yaml")
    os.symlink("loop-a.yaml", design / "loop-b.yaml")
    os.symlink(".", design / "itself")  # a folder loop: the walk does not follow links
    os.symlink("loop.json", design / "api" / "loop.json")
    api = design / "api" / "notes.yaml"
    api.write_text(api.read_text().replace('{$ref: "#/components/schemas/NoteInput"}',
                                           '{$ref: "loop.json"}', 1))
    proc = designgate("check", design, cwd=design.parent)
    assert_findings(proc, "L020", "design/loop-a.yaml")  # symlinks are not followed at all
    assert_findings(proc, "L020", "design/loop-b.yaml")
    assert_findings(proc, "L010", "design/api/notes.yaml")
    assert "symlink loop" in proc.stdout
    os.symlink("loopdir", design.parent / "loopdir")
    assert_error_line(designgate("check", design.parent / "loopdir"), "looping symlink")


@pytest.mark.parametrize("ref", ["a\\0b.json", "x" * 300 + ".json", "/".join(["d" * 250] * 20)])
def test_ref_to_an_impossible_path_is_a_finding(design: Path, ref: str) -> None:
    api = design / "api" / "notes.yaml"
    api.write_text(api.read_text().replace('{$ref: "#/components/schemas/NoteInput"}',
                                           f'{{$ref: "{ref}"}}', 1))
    report = check(design)
    assert [f.rule for f in report.findings if f.rule.startswith("L")] == ["L010"]


def test_path_with_a_lone_brace_is_a_finding(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    api.write_text(api.read_text().replace("path: /notes\n", "path: /notes/{\n", 1))
    assert any(f.rule == "N001" for f in check(design).findings)


def test_out_is_an_existing_file(design: Path) -> None:
    (design.parent / "out").write_text("mine\n")
    assert_error_line(designgate("build", design, "--out", design.parent / "out"), "is a file")
    assert (design.parent / "out").read_text() == "mine\n"
    below = designgate("build", design, "--out", design.parent / "out" / "sub")
    assert_error_line(below, "Not a directory")


def test_out_in_a_read_only_location(design: Path) -> None:
    prefix = _drop_root_privileges()
    ro = design.parent / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        proc = designgate("build", design, "--out", ro / "out", prefix=prefix)
        assert_error_line(proc, "cannot write to", "Permission denied")
        assert not (ro / "out").exists()
    finally:
        ro.chmod(0o755)


def test_out_where_nobody_may_write(design: Path) -> None:
    """/proc refuses new entries even to root: the OS error becomes the one line."""
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc on this system")
    assert_error_line(designgate("build", design, "--out", "/proc/designgate-out"),
                      "cannot write to '/proc/designgate-out'")
