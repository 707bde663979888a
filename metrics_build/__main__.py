"""`python -m metrics_build` is the `metrics-build` command."""

from metrics_build.cli import main

raise SystemExit(main())
