"""`python -m bench [reports] [live]`: run the named benchmarks, or every one there is.

- reports: the reports over a chain's history (bench/reports.py)
- live: the real-time path (bench/live.py)
"""

import sys
from importlib import import_module
from importlib.util import find_spec

PARTS = {"reports": "bench.reports", "live": "bench.live"}


def main(names: list[str]) -> None:
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    for name in names or [name for name, module in PARTS.items() if find_spec(module)]:
        import_module(PARTS[name]).main()


main(sys.argv[1:])
