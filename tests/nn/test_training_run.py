"""The run around the epochs: the progress bar (terminal or not), Ctrl-C, training off the main thread."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from typing import Any

import numpy as np
import pytest

from smolml_core import Callback, Checkpoint, EarlyStopping, load_network
from smolml_core.nn import progress

from .training_helpers import XOR_X, XOR_Y, Recorder, classifier, same_weights


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch) -> FakeTerminal:
    """stderr as a terminal, and a bar that shows at once and redraws at every update.

    Called in the test itself: pytest puts its own stderr back between a fixture's setup and the test.
    """
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(progress, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda fallback: os.terminal_size((200, 50)))
    return stream


# -- the progress bar ------------------------------------------------------------------


def test_the_bar_runs_on_a_terminal_with_epoch_loss_and_metrics(monkeypatch, capsys) -> None:
    terminal = on_terminal(monkeypatch)
    classifier().train(XOR_X, XOR_Y, epochs=3, print_every=10, metrics=["accuracy"], validation_data=(XOR_X, XOR_Y))
    drawn = terminal.getvalue()
    assert "\rEpoch 3/3 [========================] loss 0." in drawn
    assert " accuracy " in drawn and " val_loss " in drawn and " val_accuracy " in drawn
    assert " lr " not in drawn
    assert drawn.endswith("\n")
    assert capsys.readouterr().out == ""  # print_every=10: no line in 3 epochs


def test_the_bar_fills_batch_by_batch(monkeypatch) -> None:
    terminal = on_terminal(monkeypatch)
    classifier().train(XOR_X, XOR_Y, epochs=2, print_every=10, batch_size=1, lr_schedule="constant")
    frames = terminal.getvalue().split("\r")
    assert sum(frame.startswith("Epoch 1/2 [") for frame in frames) >= 4
    assert "[===>" in terminal.getvalue()  # 1 batch of 8: an eighth of the bar
    assert " lr 0.0500" in terminal.getvalue()  # shown when a schedule sets it


def test_printed_lines_clear_the_bar_first(monkeypatch, capsys) -> None:
    terminal = on_terminal(monkeypatch)
    classifier().train(XOR_X, XOR_Y, epochs=2)
    assert [line.split(",")[0] for line in capsys.readouterr().out.splitlines()] == ["Epoch 1/2", "Epoch 2/2"]
    assert "\r\x1b[K" in terminal.getvalue()


def test_no_bar_when_quiet_even_on_a_terminal(monkeypatch, capsys) -> None:
    terminal = on_terminal(monkeypatch)
    classifier().train(XOR_X, XOR_Y, epochs=3, verbose=False, metrics=["accuracy"])
    assert terminal.getvalue() == "" and capsys.readouterr().out == ""


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch, capsys) -> None:
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    classifier().train(XOR_X, XOR_Y, epochs=3, print_every=3)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith("Epoch 3/3, Loss: ")


def test_a_quick_run_shows_no_bar(monkeypatch) -> None:
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stream)  # SHOW_AFTER stays at half a second
    classifier().train(XOR_X, XOR_Y, epochs=2, verbose=True, print_every=10)
    assert stream.getvalue() == ""


def test_the_bar_fits_the_terminal(monkeypatch) -> None:
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda fallback: os.terminal_size((40, 20)))
    classifier().train(XOR_X, XOR_Y, epochs=2, print_every=10, metrics=["accuracy", "mse", "mae"])
    frames = [f.removesuffix("\x1b[K\n").removesuffix("\x1b[K") for f in terminal.getvalue().split("\r") if f]
    assert frames and all(len(frame) <= 39 for frame in frames)


# -- Ctrl-C ----------------------------------------------------------------------------


class CtrlC(Callback):
    """Sends SIGINT to this process after the given epochs, as a keyboard would."""

    def __init__(self, *epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        for _ in range(self.epochs.count(epoch)):
            os.kill(os.getpid(), signal.SIGINT)


needs_sigint = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")


@needs_sigint
def test_ctrl_c_finishes_the_epoch_then_stops_cleanly(capsys) -> None:
    weights = Recorder()
    net = classifier()
    history = net.train(XOR_X, XOR_Y, epochs=20, print_every=100, callbacks=[weights, CtrlC(3)])
    assert history.interrupted and not history.stopped_early
    assert len(history) == 3 and history.epochs == 3 and net.epochs_trained == 3
    assert same_weights(net.get_weights(), weights.weights[2])
    assert weights.events[-1][2]["interrupted"] is True
    err = capsys.readouterr().err
    assert "Ctrl-C: stopping once this epoch is done" in err
    assert "Training interrupted after epoch 3/20" in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


@needs_sigint
def test_ctrl_c_in_the_middle_of_an_epoch_lets_its_batches_finish() -> None:
    net = classifier()

    class Interrupting(Callback):
        sent = False

        def on_step_scored(self, network, epoch, logs):  # type: ignore[no-untyped-def]
            if epoch == 2 and not self.sent:  # the first batch of epoch 2
                self.sent = True
                os.kill(os.getpid(), signal.SIGINT)

    history = net.train(XOR_X, XOR_Y, epochs=5, verbose=False, batch_size=1, callbacks=[Interrupting()])
    assert history.interrupted and len(history) == 2
    assert all(state["step"] == 8 for state in net.optimizer.state.values())  # 2 epochs of 4 batches


@needs_sigint
def test_ctrl_c_saves_the_last_epoch_to_the_checkpoint_path(tmp_path, capsys) -> None:
    net = classifier()
    checkpoint = Checkpoint(tmp_path / "run-{epoch}.npz", every=100)
    net.train(XOR_X, XOR_Y, epochs=20, print_every=100, checkpoint=checkpoint, callbacks=[CtrlC(2)])
    saved = load_network(tmp_path / "run-2.npz")
    assert saved.epochs_trained == 2 and same_weights(saved.get_weights(), net.get_weights())
    assert f"saved to {tmp_path / 'run-2.npz'}" in capsys.readouterr().err
    quiet = Checkpoint(tmp_path / "quiet.npz", every=100)
    net.train(XOR_X, XOR_Y, epochs=20, verbose=False, checkpoint=quiet, callbacks=[CtrlC(1)])
    assert quiet.saved == [tmp_path / "quiet.npz"]  # saved whether or not it is said
    assert "Training interrupted" not in capsys.readouterr().err


@needs_sigint
def test_ctrl_c_keeps_the_last_weights_even_with_early_stopping() -> None:
    weights = Recorder()
    net = classifier(lr=0.5)
    early = EarlyStopping(monitor="loss", patience=50)
    history = net.train(XOR_X, XOR_Y, epochs=30, verbose=False, callbacks=[weights, CtrlC(6)], early_stopping=early)
    assert history.interrupted and not early.restored
    assert same_weights(net.get_weights(), weights.weights[-1])


@needs_sigint
def test_a_second_ctrl_c_stops_at_once() -> None:
    net = classifier()
    with pytest.raises(KeyboardInterrupt):
        net.train(XOR_X, XOR_Y, epochs=20, verbose=False, callbacks=[CtrlC(2, 2)])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@needs_sigint
def test_a_program_with_its_own_ctrl_c_handler_keeps_it() -> None:
    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        history = classifier().train(XOR_X, XOR_Y, epochs=4, verbose=False, callbacks=[CtrlC(2)])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT] and not history.interrupted and len(history) == 4


def test_training_off_the_main_thread_works_without_a_handler() -> None:
    results: list[Any] = []
    net = classifier()
    thread = threading.Thread(target=lambda: results.append(net.train(XOR_X, XOR_Y, epochs=3, verbose=False)))
    thread.start()
    thread.join()
    assert len(results[0]) == 3 and not results[0].interrupted
    assert np.isfinite(results[0][-1])
