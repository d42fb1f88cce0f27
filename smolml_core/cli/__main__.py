"""``python -m smolml_core.cli`` runs the ``smolml`` command."""

from .main import main

raise SystemExit(main())
