"""``python -m wengert``: the command line."""

from .cli import main

raise SystemExit(main())
