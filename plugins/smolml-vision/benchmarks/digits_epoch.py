"""One training epoch of the digits CNN of examples/digits_cnn.toml, in SmolML and in PyTorch, from the same weights.

Both train on the same 1,437 standardized digits, in the same order (no
shuffling), in batches of 32, with Adam at the example's learning rate, in
float64. The script prints each one's time per epoch (the median and the best
of --repeat runs, taking turns, each from the same starting weights), the
ratio of the medians and of each run's pair and the largest difference between
their per-step losses, which should be rounding error: same weights, same loss
curve. A benchmark to read, not a timed test.

    python plugins/smolml-vision/benchmarks/digits_epoch.py [--repeat 3] [--threads 1]

Needs torch (``pip install torch``) and smolml-vision installed, or run from a
checkout with the plugin's folder on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from smolml_core import Callback, NeuralNetwork, Registry, build_network, load_config, set_seed, use_registry
from smolml_core.datasets import load_dataset, train_test_split

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits_cnn.toml"
BATCH = 32


class StepLosses(Callback):
    """Keeps the loss of every step."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_step_scored(self, network: NeuralNetwork, epoch: int, logs: dict[str, Any]) -> None:
        self.losses.append(float(logs["loss"]))


def smolml_epoch(config: dict[str, Any], X: np.ndarray, y: np.ndarray) -> tuple[float, list[float], list[np.ndarray]]:
    set_seed(0)
    network = build_network(config)
    start = [w.copy() for w in network.get_weights()]
    steps = StepLosses()
    began = time.perf_counter()
    network.train(X, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=False, callbacks=[steps])
    return time.perf_counter() - began, steps.losses, start


def torch_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, list[float]]:
    """The same network written with torch.nn.functional; dense weights are (in, out) in SmolML, hence the .T."""
    w1, b1, w2, b2, w3, b3 = (torch.tensor(w, requires_grad=True) for w in weights)
    params = [w1, b1, w2, b2, w3, b3]
    optimizer = torch.optim.Adam(params, lr=lr, eps=1e-8)
    images, targets = torch.tensor(X).reshape(-1, 1, 8, 8), torch.tensor(y)
    losses = []
    began = time.perf_counter()
    for i in range(0, len(X), BATCH):
        x, t = images[i : i + BATCH], targets[i : i + BATCH]
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding="same")), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding="same")), 2)
        logits = h.flatten(1) @ w3 + b3.reshape(-1)
        loss = -(t * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return time.perf_counter() - began, losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="epochs timed for each; median and best printed")
    parser.add_argument("--threads", type=int, default=0, help="torch's threads (0: its default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    installed = list(entry_points(group="smolml"))
    if not any(ep.name == "vision" for ep in installed):  # from a checkout: the plugin loaded as if installed
        installed.append(EntryPoint(name="vision", value="smolml_vision.plugin", group="smolml"))
    with use_registry(Registry(entry_points=installed)):
        run(args.repeat)


def run(repeat: int) -> None:
    config = load_config(EXAMPLE)
    X, y = load_dataset("digits")
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    lr = float(config["network"]["optimizer"]["learning_rate"])

    ours, theirs = [], []
    for _ in range(repeat):  # taking turns, so that a busy moment of the machine falls on both
        ours.append(smolml_epoch(config["network"], X_train, y_train))
        theirs.append(torch_epoch(ours[0][2], X_train, y_train, lr))
    ours_times, theirs_times = [t for t, *_ in ours], [t for t, _ in theirs]
    ours_time, theirs_time = statistics.median(ours_times), statistics.median(theirs_times)
    pairs = ", ".join(f"{a / b:.2f}" for a, b in zip(ours_times, theirs_times, strict=True))
    gap = max(abs(a - b) for a, b in zip(ours[0][1], theirs[0][1], strict=True))

    print(f"digits CNN, one epoch of {len(X_train)} images in batches of {BATCH} (median of {repeat}, best):")
    print(f"  smolml-vision  {ours_time * 1000:8.1f} ms  {min(ours_times) * 1000:8.1f} ms")
    print(f"  PyTorch        {theirs_time * 1000:8.1f} ms  {min(theirs_times) * 1000:8.1f} ms"
          f"   ({torch.get_num_threads()} threads)")  # fmt: skip
    print(f"  ratio          {ours_time / theirs_time:8.2f}x   (each run's pair: {pairs})")
    print(f"  loss curves: {len(ours[0][1])} steps, first {ours[0][1][0]:.6f}, last {ours[0][1][-1]:.6f}, "
          f"largest difference {gap:.2e}")  # fmt: skip


if __name__ == "__main__":
    main()
