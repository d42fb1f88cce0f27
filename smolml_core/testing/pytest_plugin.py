"""The component test kit as a pytest plugin: ``pytest --smolml-kit PLUGIN[,PLUGIN...]``.

The option adds one test item per component the named SmolML plugins
registered and per check of the kit, with ids such as
``smolml-kit::extras::layer:dropout::gradients[scalar]``; a check that does
not apply is reported as skipped, with the reason. ``-m smolml_kit`` keeps
only those items, ``-k dropout`` picks some. Inside a test file the
``smolml_kit`` fixture runs cases from ``smolml_core.testing.kit_cases``.

pytest loads this module in every run once SmolML is installed (through the
``pytest11`` entry point), so it does as little as it can until asked: the kit,
and through it SmolML's plugins, are only imported and loaded when
``--smolml-kit`` is given or the fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .kit import KitCase

__all__ = ["KitItem", "KitRunner", "requested_plugins", "smolml_kit"]

ROOT = "smolml-kit"
"""The first part of every kit item's id."""

MARKER = "smolml_kit"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smolml", "SmolML component test kit")
    group.addoption(
        "--smolml-kit",
        action="append",
        default=[],
        dest="smolml_kit",
        metavar="PLUGIN[,PLUGIN...]",
        help="run SmolML's component test kit on every component these plugins register "
        "(their entry-point names in the group 'smolml'); may be repeated",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a check of SmolML's component test kit (added by --smolml-kit)")


def requested_plugins(config: pytest.Config) -> list[str]:
    """The plugin names given to ``--smolml-kit``, split at commas, each once, in order."""
    names: list[str] = []
    for value in config.getoption("smolml_kit") or ():
        for name in str(value).split(","):
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    return names


@pytest.hookimpl(tryfirst=True)  # before -k, -m and --deselect look at the items
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    plugins = requested_plugins(config)
    if plugins:
        root = _KitRoot.from_parent(session, name=ROOT, nodeid=ROOT, plugins=plugins)
        items.extend(session.genitems(root))


class _KitRoot(pytest.Collector):
    """``smolml-kit``: one child per plugin named on the command line."""

    def __init__(self, *, plugins: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugins = list(plugins)

    def collect(self) -> Iterator[pytest.Collector]:
        for plugin in self.plugins:
            yield _PluginNode.from_parent(self, name=plugin)


class _PluginNode(pytest.Collector):
    """``smolml-kit::PLUGIN``: one child per component the plugin registered."""

    def collect(self) -> Iterator[pytest.Collector]:
        from .kit import plugin_components

        try:
            components = plugin_components(self.name)
        except Exception as exc:  # unknown plugin, a plugin that failed to load, strict mode
            raise self.CollectError(f"--smolml-kit {self.name}: {exc}") from exc
        for component in components:
            yield _ComponentNode.from_parent(self, name=f"{component.kind}:{component.name}", component=component)


class _ComponentNode(pytest.Collector):
    """``smolml-kit::PLUGIN::KIND:NAME``: one item per check."""

    def __init__(self, *, component: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.component = component

    def collect(self) -> Iterator[pytest.Item]:
        from .kit import CHECKS, KitCase

        for check in CHECKS:
            yield KitItem.from_parent(self, name=check, case=KitCase(self.component, check))


class KitItem(pytest.Item):
    """One check of one component; skipped, with the reason, where the check does not apply."""

    def __init__(self, *, case: KitCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.add_marker(MARKER)

    def runtest(self) -> None:
        _run_case(self.case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The kit's message alone: it names the component, the check and the fix; its traceback adds nothing."""
        if isinstance(excinfo.value, AssertionError) and not self.config.getoption("verbose") > 1:
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.nodeid


class KitRunner:
    """What the ``smolml_kit`` fixture gives a test: the kit, with inapplicable checks reported as skips."""

    def run(self, case: KitCase) -> None:
        """Run one case from ``kit_cases(...)``; skip the test if the check does not apply."""
        _run_case(case)

    def check(
        self, kind: str, name_or_component: Any, *, params: Any = None, checks: Iterable[str] | None = None
    ) -> dict[str, str]:
        """``check_component``: every applicable check on one component; each outcome by check name."""
        from .kit import check_component

        return check_component(kind, name_or_component, params=params, checks=checks)


@pytest.fixture
def smolml_kit() -> KitRunner:
    """Run SmolML's component test kit inside a test.

    ``smolml_kit.run(case)`` runs one case of ``smolml_core.testing.kit_cases(plugin)``
    (parametrize over them with ``ids=str``); ``smolml_kit.check(kind, name)``
    runs every applicable check on one component.
    """
    return KitRunner()


def _run_case(case: KitCase) -> None:
    from .kit import NotApplicable

    try:
        case.run()
    except NotApplicable as skipped:
        pytest.skip(str(skipped))
