"""smolml_core.plotting: the curves and the decision boundary, and a clear message without matplotlib."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from smolml_core import ConfigError
from smolml_core.plotting import DecisionBoundary, check_plot_path, class_labels, plot_training, require_matplotlib

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

HISTORY = {
    "loss": [0.9, 0.5, 0.3, 0.2],
    "val_loss": [1.0, 0.6, 0.4, 0.35],
    "accuracy": [0.5, 0.7, 0.9, 0.95],
    "val_accuracy": [0.5, 0.65, 0.85, 0.9],
    "lr": [0.01, 0.01, 0.005, 0.005],
}


@pytest.fixture
def no_matplotlib(monkeypatch):
    """Make ``import matplotlib`` fail as it does where it is not installed."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_missing_matplotlib_says_what_to_install(no_matplotlib, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r'pip install "smolml\[plot\]"'):
        require_matplotlib()
    with pytest.raises(ConfigError, match=r'pip install "smolml\[plot\]"'):
        plot_training(tmp_path / "out.png", HISTORY)
    assert not (tmp_path / "out.png").exists()


def test_the_file_name_must_say_the_format(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"end the file name in .png, .svg, .pdf \(for example 'curves.png'\)"):
        check_plot_path(tmp_path / "curves.jpeg")
    assert check_plot_path("a/b.PNG").name == "b.PNG"


def test_class_labels_from_every_kind_of_target() -> None:
    assert class_labels(np.array([[0.0], [1.0], [1.0]])).tolist() == [0, 1, 1]
    assert class_labels(np.eye(3)[[2, 0, 1]]).tolist() == [2, 0, 1]
    assert class_labels(np.array([[0.2], [0.7]])).tolist() == [0, 1]
    assert class_labels(np.array([3, 1, 2])).tolist() == [3, 1, 2]


def test_curves_are_drawn_into_a_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    final = {"test": {"loss": 0.3, "accuracy": 0.9}}
    path = plot_training(tmp_path / "curves.png", HISTORY, title="run", final=final, best_epoch=3)
    assert path == tmp_path / "curves.png"
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]  # no temporary file left behind


@pytest.mark.parametrize("outputs", [1, 3], ids=["sigmoid column", "softmax rows"])
def test_a_decision_boundary_is_drawn_for_two_features(tmp_path, outputs) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    labels = (X[:, 0] > 0).astype(int) + (outputs == 3) * (X[:, 1] > 0).astype(int)
    y = labels.reshape(-1, 1).astype(float) if outputs == 1 else np.eye(3)[labels]

    def predict(points: np.ndarray) -> np.ndarray:
        if outputs == 1:
            return 1 / (1 + np.exp(-4 * points[:, :1]))
        return np.eye(3)[(points[:, 0] > 0).astype(int) + (points[:, 1] > 0).astype(int)]

    boundary = DecisionBoundary(predict, X[:30], y[:30], X[30:], y[30:], ["x", "y"], None)
    backend = matplotlib.get_backend()
    path = plot_training(tmp_path / "boundary.svg", {"loss": [0.5]}, boundary=boundary)
    assert path.read_text().lstrip().startswith("<?xml")
    assert matplotlib.get_backend() == backend  # drawing leaves matplotlib's global state alone
