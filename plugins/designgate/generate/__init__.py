"""Generators: pure functions from the design to the contract artifacts, and writing them."""

from __future__ import annotations

from designgate.generate.openapi import OpenApiResult, build_openapi
from designgate.generate.output import OutputError, dump_json, dump_yaml, write_outputs
from designgate.generate.traceability import build_traceability

__all__ = [
    "OpenApiResult",
    "OutputError",
    "build_openapi",
    "build_traceability",
    "dump_json",
    "dump_yaml",
    "write_outputs",
]
