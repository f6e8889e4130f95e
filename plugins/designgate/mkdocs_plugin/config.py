"""Typed configuration of the designgate MkDocs plugin."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class DesignGateConfig(base.Config):
    #: Turn the plugin off (e.g. `enabled: !ENV [DESIGNGATE, true]`) without removing it.
    enabled = c.Type(bool, default=True)
    #: The design sources, relative to mkdocs.yml.
    design_dir = c.Type(str, default="design")
    #: Findings at or above this severity fail the build with one PluginError.
    fail_on = c.Choice(("error", "warning", "never"), default="error")
