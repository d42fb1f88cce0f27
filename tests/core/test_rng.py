"""The random generator: one global stream, and a generator of its own for one thread inside a block."""

from __future__ import annotations

import threading

import numpy as np

from smolml_core import get_rng, set_seed
from smolml_core.rng import generator_in_use


def test_a_generator_in_use_is_this_threads_until_the_block_ends() -> None:
    set_seed(0)
    global_generator = get_rng()
    own = np.random.default_rng(1)
    seen_elsewhere = []
    with generator_in_use(own):
        assert get_rng() is own
        thread = threading.Thread(target=lambda: seen_elsewhere.append(get_rng()))
        thread.start()
        thread.join()
        with generator_in_use(np.random.default_rng(2)) as inner:
            assert get_rng() is inner
        assert get_rng() is own
    assert get_rng() is global_generator
    assert seen_elsewhere == [global_generator]


def test_set_seed_inside_the_block_reseeds_the_global_generator() -> None:
    own = np.random.default_rng(1)
    with generator_in_use(own):
        set_seed(5)
        assert get_rng() is own
    assert get_rng().integers(1000) == np.random.default_rng(5).integers(1000)
