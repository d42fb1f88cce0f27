"""Run by ``nox -s build`` inside the environment the wheel was installed in, from outside the checkout.

Checks that SmolML is imported from the installed wheel (not from a source tree), that the
wheel carries every package and its type markers, and that ``import smolml`` gives the core's
objects. Exits with a message naming what is wrong.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path


def main() -> None:
    import smolml
    import smolml_core
    import smolml_std

    site = {Path(p).resolve() for p in sys.path if p.endswith("site-packages")}
    for module in (smolml, smolml_core, smolml_std):
        home = Path(module.__file__ or "").resolve().parents[1]
        if home not in site:
            sys.exit(f"{module.__name__} was imported from {home}, not from the installed wheel")
    for package in ("smolml", "smolml_core"):
        if not (Path(sys.modules[package].__file__ or "").parent / "py.typed").exists():
            sys.exit(f"the wheel has no {package}/py.typed")
    released = importlib.metadata.version("smolml")
    if smolml.__version__ != released:
        sys.exit(f"smolml.__version__ {smolml.__version__} is not the distribution's version {released}")
    if smolml.NeuralNetwork is not smolml_core.NeuralNetwork:
        sys.exit("smolml.NeuralNetwork is not smolml_core.NeuralNetwork")
    for extra in ("sklearn", "matplotlib"):
        if importlib.util.find_spec(extra) is None:
            sys.exit(f"{extra} is missing: the wheel's extras were not installed")
    print(f"smolml {smolml.__version__} from {Path(smolml.__file__ or '').parent}: packages, type markers, extras ok")


if __name__ == "__main__":
    main()
