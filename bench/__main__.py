"""`python -m bench`: time the report queries on a generated history (BENCH_REQUESTS rows)."""

from .reports import main

main()
