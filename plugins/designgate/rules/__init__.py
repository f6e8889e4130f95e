"""Rule families: one module per family; importing this package registers them all."""

from __future__ import annotations

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if _info.name != "registry":
        importlib.import_module(f"{__name__}.{_info.name}")
