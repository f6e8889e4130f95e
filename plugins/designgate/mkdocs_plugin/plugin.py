"""The designgate MkDocs plugin: wires the core into MkDocs events, nothing more.

The design is loaded and checked once per build; findings are logged through the plugin
logger (so `mkdocs build --strict` counts warnings) and one PluginError summarises them
when `fail_on` is reached. The generated pages arrive with the design-site issue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from designgate.check import Report, check_design
from designgate.findings import Severity
from designgate.load.loader import DesignLoadError
from designgate.mkdocs_plugin.config import DesignGateConfig

log = get_plugin_logger(__name__)

_LOG_BY_SEVERITY = {Severity.ERROR: log.error, Severity.WARNING: log.warning, Severity.INFO: log.info}


class DesignGatePlugin(BasePlugin[DesignGateConfig]):
    def __init__(self) -> None:
        self.report: Report | None = None
        self.design_path: Path | None = None

    # Resolve the design folder against mkdocs.yml, not the working directory.
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        base = Path(config.config_file_path or ".").resolve().parent
        self.design_path = (base / self.config.design_dir).resolve()
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

    # Edits to design sources must rebuild the site under `mkdocs serve`.
    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled and self.design_path is not None and self.design_path.is_dir():
            server.watch(str(self.design_path))
        return server
