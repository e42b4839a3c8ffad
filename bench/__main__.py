"""`python -m bench [reports|live] [options]`: the report queries (the default) or the live path."""

import sys

if sys.argv[1:2] == ["live"]:
    from .live import run

    run(sys.argv[2:])
else:
    from .reports import main

    main()
