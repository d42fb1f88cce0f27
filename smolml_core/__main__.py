"""``python -m smolml_core`` runs the ``smolml`` command."""

from .cli import main

raise SystemExit(main())
