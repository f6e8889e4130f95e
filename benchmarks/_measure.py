"""Run one command and report its wall time and peak memory as one JSON line.

``python benchmarks/_measure.py [--stdout FILE] [--stderr FILE] -- CMD ARGS...``

The wrapper is a fresh process whose only child is the command, so
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the command has been waited for is the peak
resident memory of that command (of its largest process, if it starts others) and of nothing
else. The time is measured around the child alone, excluding the wrapper's own start-up.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdout", type=Path, help="write the command's stdout here")
    parser.add_argument("--stderr", type=Path, help="write the command's stderr here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        parser.error("no command given")
    out = args.stdout.open("wb") if args.stdout else subprocess.DEVNULL
    err = args.stderr.open("wb") if args.stderr else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        code = subprocess.call(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
    finally:
        for stream in (out, err):
            if not isinstance(stream, int):
                stream.close()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    rss_bytes = rss if sys.platform == "darwin" else rss * 1024
    json.dump({"seconds": seconds, "max_rss_bytes": rss_bytes, "returncode": code}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
