"""The generated contracts, taken as they are by the tools their consumers run.

Spectral (spectral:oas and the OWASP API Security ruleset, `.ci/node/spectral.yaml`),
Redocly `recommended-strict`, Prism serving the contract as a mock with schemathesis
fuzzing it, and openapi-python-client generating a client that imports. The Node tools
come from `.ci/node` (installed by `.ci/run`); locally a missing tool skips, under
`CI=true` it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / ".ci" / "node"
RULESET = NODE / "spectral.yaml"

#: schemathesis checks whose failures are the mock's own limits, not the contract's.
MOCK_LIMITS = {
    # Prism accepts any bearer token: it has no identity provider to ask.
    "ignored_auth": "Prism accepts any credentials",
    # Prism keeps no state: a deleted resource is served again from its example.
    "use_after_free": "Prism is stateless",
    # Prism answers an undeclared method 405 without the Allow header RFC 9110 asks for.
    "unsupported_method": "Prism's 405 has no Allow header",
    # Prism treats an empty query value (`?task_id=`) as absent and does not validate it.
    "negative_data_rejection": "Prism skips empty query values",
}


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(NODE / "node_modules" / ".bin"))
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing (CI=true): .ci/run installs it from .ci/node")
        pytest.skip(f"{name} is not installed (npm ci --prefix .ci/node)")
    return found


def _designgate(*args: str) -> None:
    exe = shutil.which("designgate", path=os.path.dirname(sys.executable)) or "designgate"
    run = subprocess.run([exe, *args],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def _build(design: Path, out: Path) -> Path:
    _designgate("build", str(design), "--out", str(out))
    return out / "openapi.yaml"


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("contracts")
    _designgate("init", str(base / "scaffold"))
    return {
        "example": _build(ROOT / "design", base / "example"),
        "scaffold": _build(base / "scaffold" / "design", base / "scaffold-out"),
    }


@pytest.mark.parametrize("which", ["example", "scaffold"])
def test_spectral_oas_and_owasp_report_nothing(contracts: dict[str, Path], which: str) -> None:
    spectral = _tool("spectral")
    run = subprocess.run(
        [spectral, "lint", "-q", "-r", str(RULESET), "-f", "json", str(contracts[which])],
        capture_output=True, text=True, timeout=300, cwd=NODE,
    )
    results = json.loads(run.stdout or "[]")
    shown = [f"{r['code']} {'/'.join(map(str, r['path']))}: {r['message']}"
             for r in results if r["severity"] <= 1]  # 0 error, 1 warning
    assert shown == [], "\n".join(shown[:40])
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("which", ["example", "scaffold"])
def test_redocly_recommended_strict(contracts: dict[str, Path], which: str) -> None:
    redocly = _tool("redocly")
    run = subprocess.run(
        [redocly, "lint", "--extends", "recommended-strict", "--format", "stylish",
         str(contracts[which])],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "valid" in run.stdout + run.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_prism_serves_the_example_and_schemathesis_finds_no_contract_failure(
    contracts: dict[str, Path], tmp_path: Path,
) -> None:
    prism = _tool("prism")
    port = _free_port()
    log = (tmp_path / "prism.log").open("w")
    server = subprocess.Popen([prism, "mock", "-p", str(port), str(contracts["example"])],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while "Prism is listening" not in (tmp_path / "prism.log").read_text():
            assert server.poll() is None, (tmp_path / "prism.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Prism did not start in 60 s"
            time.sleep(0.5)
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", str(contracts["example"]),
             "--url", f"http://127.0.0.1:{port}", "--max-examples", "5", "--seed", "1",
             "--no-shrink", "--request-timeout", "5", "--max-time", "150",
             # The coverage phase sends bodies that are not UTF-8, on which Prism stops
             # answering altogether (its own limit); fuzzing still sends invalid data.
             "--phases", "examples,fuzzing,stateful", "--generation-codec", "ascii",
             "-H", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
             "--exclude-checks", ",".join(MOCK_LIMITS),
             "--generation-database", "none",
             "--report", "junit", "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    reports = list((tmp_path / "report").glob("*.xml"))
    assert reports, run.stdout[-3000:] + run.stderr[-2000:]
    suite = ET.parse(reports[0]).getroot()
    cases = suite.findall(".//testcase")
    assert len(cases) >= 38, f"only {len(cases)} operations were tested"
    failures = [f"{c.get('name')}: {(f.text or '')[:600]}"
                for c in cases for f in c.findall("failure")]
    assert failures == [], "\n\n".join(failures)
    # Prism stops answering a request whose body is not valid UTF-8 (its own limit): such
    # a request times out. Any other error is a finding.
    errors = [f"{c.get('name')}: {(e.text or '')[:300]}" for c in cases for e in c.findall("error")
              if "Read timed out" not in (e.text or "")]
    assert errors == [], "\n\n".join(errors)


def test_openapi_python_client_generates_a_client_that_imports(
    contracts: dict[str, Path], tmp_path: Path,
) -> None:
    exe = shutil.which("openapi-python-client", path=os.path.dirname(sys.executable)) \
        or shutil.which("openapi-python-client")
    assert exe is not None, "openapi-python-client comes with the test extra"
    run = subprocess.run([exe, "generate", "--path", str(contracts["example"]),
                          "--meta", "none", "--output-path", str(tmp_path / "teamboard_client")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "Warning" not in out and "Unable to" not in out, out
    check = subprocess.run(
        [sys.executable, "-c", "import teamboard_client, teamboard_client.models as m; "
         "from teamboard_client.api.tasks import list_tasks; "
         "assert m.Task and m.TaskWebhookEvent and m.Problem"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert check.returncode == 0, check.stderr
