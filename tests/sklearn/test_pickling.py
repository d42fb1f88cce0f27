"""A fitted estimator pickles its network as model-file bytes, and unpickling runs nothing from them."""

from __future__ import annotations

import copy
import io
import json
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_iris

from smolml_core import ModelFileError, get_rng
from smolml_core.persistence import network_from_bytes, network_to_bytes
from smolml_core.sklearn import SmolMLClassifier

QUICK = {"hidden_layer_sizes": (8,), "epochs": 5, "learning_rate": 0.01, "random_state": 0}


@pytest.fixture(scope="module")
def fitted():
    X, y = load_iris(return_X_y=True)
    return SmolMLClassifier(**QUICK).fit(X, y), X, y


def test_a_pickled_estimator_predicts_exactly_as_before_and_trains_on_alike(fitted) -> None:
    model, X, y = fitted
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.get_params() == model.get_params()
    copied = copy.deepcopy(model)
    copied.partial_fit(X, y)
    again.partial_fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), copied.predict_proba(X))


def test_the_network_travels_as_a_model_file_of_numbers_and_json(fitted) -> None:
    model, _, _ = fitted
    state = model.__getstate__()
    assert isinstance(state["network_"], bytes) and state["network_"].startswith(b"PK")
    archive = np.load(io.BytesIO(state["network_"]), allow_pickle=False)
    assert json.loads(archive["meta"].tobytes())["config"]["layers"][0]["type"] == "dense"
    assert isinstance(state["_random"], dict)  # the generator as its state: plain data


def test_unpickling_leaves_the_global_generator_alone(fitted) -> None:
    model, _, _ = fitted
    data = pickle.dumps(model)
    before = get_rng().bit_generator.state
    pickle.loads(data)
    assert get_rng().bit_generator.state == before


def _with_meta(data: bytes, change) -> bytes:
    """``data``, a model file's bytes, with its JSON description changed by ``change``."""
    archive = np.load(io.BytesIO(data), allow_pickle=False)
    arrays = {key: archive[key] for key in archive.files}
    meta = json.loads(arrays["meta"].tobytes())
    change(meta)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def test_a_tampered_config_builds_only_registered_components(fitted) -> None:
    model, _, _ = fitted
    state = model.__getstate__()

    def name_a_function(meta) -> None:
        meta["config"]["layers"][0]["activation_function"] = "os:system"

    state["network_"] = _with_meta(state["network_"], name_a_function)
    blank = SmolMLClassifier.__new__(SmolMLClassifier)
    with pytest.raises(ModelFileError, match="the pickled SmolMLClassifier's network"):
        blank.__setstate__(state)


class _Trap:
    """An object that would leave a mark if unpickling ever called it."""

    ran = False

    def __reduce__(self):
        return (_Trap._spring, ())

    @staticmethod
    def _spring():
        _Trap.ran = True
        return 0


def test_an_object_array_slipped_into_the_model_bytes_is_refused_unread(fitted) -> None:
    model, _, _ = fitted
    archive = np.load(io.BytesIO(network_to_bytes(model.network_)), allow_pickle=False)
    arrays = {key: archive[key] for key in archive.files}
    arrays["layers.0.weights"] = np.array([_Trap()], dtype=object)
    out = io.BytesIO()
    np.savez(out, **arrays)
    state = {**model.__getstate__(), "network_": out.getvalue()}
    data = pickle.dumps(state)  # the outer pickle is the caller's; the model bytes inside are data only
    blank = SmolMLClassifier.__new__(SmolMLClassifier)
    with pytest.raises(ModelFileError, match="holds Python objects"):
        blank.__setstate__(pickle.loads(data))
    assert not _Trap.ran


def test_bytes_that_are_no_model_file_are_a_model_file_error() -> None:
    with pytest.raises(ModelFileError, match=r"not a \.npz archive"):
        network_from_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="must be bytes"):
        network_from_bytes("text")  # type: ignore[arg-type]
