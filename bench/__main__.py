"""`python -m bench [reports|live] [options]`: the named benchmark, or every one there is.

- reports: the reports over a chain's history (bench/reports.py; sized by BENCH_* variables)
- live: the real-time path (bench/live.py; `python -m bench live --help` for its options)
"""

import sys

from . import live, reports

PARTS = {"reports": lambda _argv: reports.main(), "live": live.run}


def main(argv: list[str]) -> None:
    if argv and argv[0] in PARTS:
        PARTS[argv[0]](argv[1:])
    elif argv:
        sys.exit(f"unknown benchmark {argv[0]!r}; choose from {', '.join(PARTS)}")
    else:
        for part in PARTS.values():
            part([])


main(sys.argv[1:])
