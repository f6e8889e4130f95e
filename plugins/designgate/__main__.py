"""``python -m designgate``: the same as the ``designgate`` console script."""

from __future__ import annotations

from designgate.cli.main import main

if __name__ == "__main__":
    main()
