"""Development tasks: ``nox -s tests lint`` is the README's test command; CI adds extras, vision, build and docs.

Sessions: tests (default suite), lint (ruff), typecheck (mypy), slow (checks
marked slow), crosscheck (against PyTorch), bench (speed and memory figures), mutation (how
many small wrong versions of the numerical core the tests catch; slow), extras (the
smolml-extras plugin installed as a user would, beside a broken plugin, with the test kit),
vision (the smolml-vision plugin installed the same way, its example trained, its tests and
its crosscheck against PyTorch run), export (every example network written to ONNX and PyTorch and
checked against ONNX Runtime and torch), readme (the README's first command in a fresh environment),
distributed (a grid search over SmolML estimators on a local Dask cluster),
build (the sdist and wheel built, checked and installed in a new environment beside a plugin),
docs (the documentation site, built with --strict).
"""

from __future__ import annotations

import itertools

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

RUFF = "ruff==0.17.6"
MYPY = "mypy==2.4.1"
TORCH = "torch==2.13.0"
MICROGRAD = "micrograd==0.1.0"  # the reference scalar engine, for nodes per second
# The documentation site: MkDocs with Material, mkdocstrings for the API reference, latex2mathml for the formulas.
DOCS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings[python]==1.0.8",
    "mkdocstrings-python==2.0.11",
    "latex2mathml==3.81.1",
    RUFF,  # mkdocstrings formats long signatures with it
]


@nox.session
def tests(session: nox.Session) -> None:
    """The default test suite (fast; slow checks excluded)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "not slow and not crosscheck and not installed", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Only the checks marked slow."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session
def crosscheck(session: nox.Session) -> None:
    """Values and gradients compared with PyTorch in float64 (installs torch, CPU build)."""
    session.install("-e", ".[test]", TORCH)
    session.run("pytest", "-m", "crosscheck", "tests/crosscheck", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff's lint rules and formatting."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the core package."""
    session.install("-e", ".[test]", MYPY)  # the test extra brings pytest and matplotlib, whose types mypy reads
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Speed, memory and start-up figures: ours against hand-written numpy, the scalar engine against micrograd.

    Runs tests/benchmarks/bench.py (a few minutes); arguments after ``--`` go to it:
    ``nox -s bench -- --quick`` (a smoke test), ``-- --only wide``, ``-- --json bench.json``.
    PyTorch (the pinned CPU build) is installed and required, since every row of the table is
    compared with it; ``nox -s bench -- --torch off`` leaves it out of the environment and the run.
    See docs/performance.md.
    """
    args = list(session.posargs)
    torch_off = "--torch=off" in args or any(pair == ("--torch", "off") for pair in itertools.pairwise(args))
    if not any(arg.startswith("--torch") for arg in args):
        args.append("--torch")  # require it: fail rather than print a table without PyTorch
    session.install("-e", ".[test]", MICROGRAD, *([] if torch_off else [TORCH]))
    session.run("python", "tests/benchmarks/bench.py", *args)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing of the numerical core: fails unless the tests catch 95% of a sample of wrong versions.

    Runs tests/mutation/mutate.py (several minutes): 276 mutants drawn with a fixed seed from every
    small change to the files in its TARGETS (the primitives, ``Value``, std's optimizers, losses and
    activations), each tested against the tests that cover its file, in a copy of the repository.
    It prints the score and every survivor. Arguments after ``--`` go to it: ``-- --all``,
    ``-- --sample 50 --seed 3``, ``-- --jobs 1``, ``-- --list``. See docs/verification.md.
    """
    session.install("-e", ".[test]")
    session.run("python", "tests/mutation/mutate.py", *session.posargs)


@nox.session
def export(session: nox.Session) -> None:
    """ONNX and PyTorch export: every example network checked against ONNX Runtime and torch.

    Installs SmolML with its ``export`` extra (onnx, onnxruntime) and the pinned torch, then runs
    the tests marked ``export`` (each example network, std, extras and vision, exported in float64
    and float32 and compared with ``predict``; the gradients of one batch's loss compared in
    PyTorch) and the examples of docs/ecosystem.md that need those packages. The plugins' entry
    points are added by the tests, so their folders need no installing. About a minute.
    """
    session.install("-e", ".[test,export]", TORCH)
    session.run("pytest", "-p", "no:cacheprovider", "-m", "export", "tests/export", *session.posargs)


@nox.session
def readme(session: nox.Session) -> None:
    """Install as the README says, in a fresh environment, and train the example network."""
    session.install(".[datasets]")
    session.run("smolml", "train", "examples/moons.toml")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, built into ``site/`` with ``mkdocs build --strict``.

    Strict: a broken link or anchor, a page left out of the navigation, or an API name
    mkdocstrings cannot find fails the build. ``mkdocs.yml`` sets it up and ``mkdocs_hooks.py``
    adds the generated API reference, the copies of repository files the pages link to, and
    the formulas as MathML. Arguments after ``--`` go to ``mkdocs build``
    (``-- --site-dir /tmp/site``). See docs/installing.md.
    """
    session.install("-e", ".", *DOCS)
    session.run("mkdocs", "build", "--strict", *session.posargs, env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(reuse_venv=False)
def build(session: nox.Session) -> None:
    """The release files: the sdist and wheel built, their metadata checked, the wheel used as a user would.

    ``python -m build`` makes the sdist and then the wheel from the sdist (so a file missing from
    the sdist breaks the wheel), and ``twine check --strict`` checks what an index would show.
    Then a new virtual environment, made with the plain ``venv`` module, gets the wheel with its
    ``datasets`` extra, ``pip install "smolml[plot]"`` adds an extra the way the error hints say,
    and everything runs from a folder outside the checkout, so nothing is imported from the source
    tree: ``import smolml``, ``smolml train`` on the moons example, and the smolml-extras plugin
    (which depends on ``smolml>=0.1``) installed beside the wheel and used by name. The files are
    left in ``dist/``. See docs/installing.md.
    """
    import shutil
    from pathlib import Path

    root = Path.cwd()
    for folder in ("build", "dist", "plugins/smolml-extras/build"):
        shutil.rmtree(folder, ignore_errors=True)
    session.install("build", "twine")
    session.run("python", "-m", "build", "--outdir", "dist", ".")
    files = sorted(str(path) for path in Path("dist").iterdir())
    session.run("twine", "check", "--strict", *files)
    (wheel,) = (name for name in files if name.endswith(".whl"))

    env = Path(session.create_tmp()).resolve() / "user-env"
    shutil.rmtree(env, ignore_errors=True)
    session.run("python", "-m", "venv", str(env))
    pip, smolml = str(env / "bin" / "pip"), str(env / "bin" / "smolml")
    with session.chdir(session.create_tmp()):
        session.run(pip, "install", f"{root / wheel}[datasets]", external=True)
        session.run(pip, "install", "smolml[plot]", external=True)  # the hints' words, with SmolML installed
        session.run(str(env / "bin" / "python"), str(root / "tests" / "check_wheel.py"), external=True)
        session.run(smolml, "train", str(root / "examples" / "moons.toml"), "--save", "moons.npz", external=True)
        session.run(pip, "install", str(root / "plugins" / "smolml-extras"), external=True)
        example = root / "plugins" / "smolml-extras" / "examples" / "moons_extras.toml"
        session.run(smolml, "train", str(example), "--save", "moons_extras.npz", external=True)
        session.run(smolml, "plugins", "--check", external=True)


@nox.session(reuse_venv=False)
def extras(session: nox.Session) -> None:
    """The smolml-extras plugin as its users get it: installed beside SmolML, trained by name, tested.

    Always in a new environment (``reuse_venv=False`` wins over ``-r``), so nothing an earlier
    run installed can hide a packaging mistake. SmolML and then the plugin are installed from
    their folders as built wheels, not in editable mode: the plugin works only if its own
    pyproject.toml lists its package and declares its ``smolml`` entry point. Then ``smolml train``
    runs the plugin's example config, which picks every extra component by name (the model is
    saved in the session's temporary folder, not beside the config), pytest runs the plugin's
    tests against the installed copies, and ``pytest --smolml-kit extras`` runs the component
    test kit on everything the installed plugin registers, found by its entry point as in any
    user's project (``-m smolml_kit`` keeps only the kit's items). All of it runs beside
    ``tests/fixtures/smolml-broken``, two plugins that fail on purpose; ``tests/installed``
    then checks that they are reported and that everything else works. Last, the example
    package of docs/plugin-authors.md is written out from the guide, installed, and taken
    through the guide's steps: its kit run, its tests, its example config. Arguments after
    ``--`` go to the first pytest run.
    """
    import shutil
    import tempfile

    # pip builds each wheel in its source folder, and setuptools packs whatever an earlier build left in
    # build/lib, even modules deleted since: start from clean folders, as a user's fresh checkout would.
    for folder in ("build", "plugins/smolml-extras/build"):
        shutil.rmtree(folder, ignore_errors=True)
    session.install(".[datasets]", "pytest")
    session.install("./plugins/smolml-extras")
    # A deliberately broken plugin beside it: everything below must work regardless.
    session.install("./tests/fixtures/smolml-broken")
    model = f"{session.create_tmp()}/moons_extras.npz"
    session.run("smolml", "train", "plugins/smolml-extras/examples/moons_extras.toml", "--save", model)
    session.run("pytest", "-p", "no:cacheprovider", "plugins/smolml-extras/tests", *session.posargs)
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "--smolml-kit",
        "extras",
        "-m",
        "smolml_kit",
        "-rs",
        "plugins/smolml-extras/tests",
    )
    session.run("smolml", "plugins")
    session.run("pytest", "-p", "no:cacheprovider", "-m", "installed", "tests/installed")

    # The plugin package of docs/plugin-authors.md, written from the guide and used as the guide says.
    # It is written outside this repository, so that no setting of ours (pytest's, for one) reaches it.
    with tempfile.TemporaryDirectory(prefix="smolml-guide-") as scratch:
        guide = session.run("python", "tests/plugin_guide.py", scratch, silent=True).strip()
        session.install("-e", f"{guide}[test]")
        with session.chdir(guide):
            session.run("smolml", "plugins", "--check", env={"SMOLML_DISABLE_PLUGINS": "broken_import,broken_hook"})
            session.run("pytest", "--smolml-kit", "softsign", "-m", "smolml_kit")
            session.run("pytest")
            session.run("smolml", "train", "examples/xor_softsign.toml", "--save", "xor_softsign.npz")


@nox.session(reuse_venv=False)
def vision(session: nox.Session) -> None:
    """The smolml-vision plugin as its users get it: installed beside SmolML, its example trained, tested.

    A new environment each time, as for ``extras``: SmolML and the plugin are installed from
    their folders as built wheels, so the plugin works only if its own pyproject.toml lists its
    package and declares its ``smolml`` entry point. PyTorch (the pinned CPU build) is installed
    too, so the plugin's tests include its crosscheck: values and gradients of every vision layer
    against ``torch.nn.functional`` in float64. Then ``smolml train`` runs the digits CNN of the
    plugin's example config (the model saved in the session's temporary folder), and the
    component test kit runs on everything the installed plugin registers, its image layers fed
    channels-first images. Arguments after ``--`` go to the plugin's pytest run.
    """
    import shutil

    for folder in ("build", "plugins/smolml-vision/build"):
        shutil.rmtree(folder, ignore_errors=True)
    session.install(".[datasets]", "pytest", TORCH)
    session.install("./plugins/smolml-vision")
    session.run("pytest", "-p", "no:cacheprovider", "plugins/smolml-vision/tests", *session.posargs)
    model = f"{session.create_tmp()}/digits_cnn.npz"
    session.run("smolml", "train", "plugins/smolml-vision/examples/digits_cnn.toml", "--save", model)
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "--smolml-kit",
        "vision",
        "-m",
        "smolml_kit",
        "-rs",
        "plugins/smolml-vision/tests",
    )
    session.run("smolml", "components", "primitive")


@nox.session
def distributed(session: nox.Session) -> None:
    """A grid search over SmolML estimators on a Dask cluster, through joblib's Dask backend.

    Installs SmolML with its scikit-learn extra and ``dask[distributed]`` (a dependency of this
    session only), then runs tests/distributed/search_on_dask.py: a ``LocalCluster`` of two worker
    processes searches two hidden-layer settings by two learning rates on the digits, in a
    pipeline with a StandardScaler; it prints the best estimator's held-out accuracy and fails
    below 95%. Then the examples of docs/ecosystem.md run, the Dask one included. Arguments after
    ``--`` go to the script: ``nox -s distributed -- tcp://scheduler:8786`` searches on that cluster.
    """
    session.install("-e", ".[sklearn,test]", "dask[distributed]")
    session.run("python", "tests/distributed/search_on_dask.py", *session.posargs)
    session.run("pytest", "-p", "no:cacheprovider", "-rs", "tests/test_docs.py", "-k", "ecosystem")
