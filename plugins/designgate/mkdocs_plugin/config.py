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
    fail_on = c.Choice(("error", "warning", "info", "never"), default="error")
    #: Folder of the site the generated design pages go to.
    pages_dir = c.Type(str, default="design")
    #: Add the user guide (getting started, format reference, rule reference).
    guide = c.Type(bool, default=True)
    #: Folder of the site the guide goes to.
    guide_dir = c.Type(str, default="guide")
    #: Folder of templates replacing the built-in ones of the same name (`oad/` inside it
    #: replaces the API reference's essentials-openapi templates).
    templates_dir = c.Optional(c.Dir(exists=True))
    #: Link from a finding to its source line: a URL template with `{path}` and `{line}`.
    #: Default: derived from `repo_url` and `edit_uri`, else the design's `repo_url`.
    source_url = c.Optional(c.Type(str))
    #: Local Mermaid script (path relative to mkdocs.yml) served with the site, so the ER
    #: diagram renders offline. Default: `node_modules/mermaid/dist/mermaid.min.js` if present;
    #: without one the diagram is shown as its Mermaid source.
    mermaid_js = c.Optional(c.Type(str))
    #: Evaluate the gate from git history (approvals recorded in git, revision cycles,
    #: human interventions) for the overview and the gate page; never uses the network.
    gate = c.Type(bool, default=True)
    #: The human-interventions folder, relative to mkdocs.yml (default: beside design_dir).
    interventions_dir = c.Optional(c.Type(str))
    #: A `designgate db verify --out FILE` report (relative to mkdocs.yml): the auth page
    #: shows its result and RLS matrix.
    verify_report = c.Optional(c.Type(str))
    #: Add the design and guide sections to the navigation.
    nav = c.Type(bool, default=True)
