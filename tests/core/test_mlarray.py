"""MLArray's behaviour apart from gradient values: construction, errors, graph lifetime."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from smolml_core import (
    DataError,
    GraphError,
    MLArray,
    NumericalError,
    ShapeError,
    no_grad,
    ones,
    randn,
    set_seed,
    zeros,
)


class TestConstruction:
    def test_from_scalar_list_and_numpy(self) -> None:
        assert MLArray(3).shape == ()
        assert MLArray([[1, 2], [3, 4]]).shape == (2, 2)
        assert MLArray(np.arange(6).reshape(2, 3)).shape == (2, 3)
        assert MLArray([1, 2, 3]).size() == 3

    def test_integers_become_float64_and_float32_is_kept_on_request(self) -> None:
        assert MLArray([1, 2]).dtype == np.float64
        assert MLArray([1, 2], dtype=np.float32).dtype == np.float32

    def test_float32_stays_float32_through_operations(self) -> None:
        x = MLArray([1.0, -2.0], dtype=np.float32)
        y = ((x * 2 + 1) / 3).exp().sum()
        assert y.dtype == np.float32
        assert (x > 0).dtype == np.float32

    def test_ragged_lists_name_the_offending_row(self) -> None:
        with pytest.raises(ShapeError, match=r"data\[1\] has length 1 where data\[0\] has length 2"):
            MLArray([[1.0, 2.0], [3.0]])
        with pytest.raises(ShapeError, match=r"data\[0\]\[1\] has length 2 where data\[0\]\[0\] has length 1"):
            MLArray([[[1.0], [2.0, 3.0]]])

    def test_non_numbers_are_refused(self) -> None:
        with pytest.raises(TypeError, match="real numbers"):
            MLArray(["a", "b"])

    @pytest.mark.parametrize("dtype", [None, float, np.float64, np.float32])
    @pytest.mark.parametrize(
        ("data", "what"),
        [(None, "None"), ([1.0, None], "None"), (["1.5"], "the text '1.5'"), ([[1.0], [{}]], "a dict")],
    )
    def test_non_numbers_are_refused_with_or_without_dtype(self, data: object, what: str, dtype: object) -> None:
        with pytest.raises(DataError, match=f"this data holds {what}; convert it to numbers first"):
            MLArray(data, dtype=dtype)

    def test_a_dtype_that_is_not_real_numbers_is_refused(self) -> None:
        with pytest.raises(DataError, match="dtype=<class 'int'> cannot be used"):
            MLArray([1.0], dtype=int)

    def test_one_numbers_data_is_its_number_as_in_the_tutorial(self) -> None:
        x = MLArray([1.0, 2.0])
        loss = (x * x).mean()
        assert type(loss.data.data) is float and loss.data.data == 2.5  # the tutorial's loss.data.data
        assert loss.data.shape == () and float(loss.data) == 2.5
        assert type(loss.data * 2) is not type(loss.data)  # numpy results are plain again
        assert MLArray(3).data.data == 3.0
        on_values = (MLArray([1.0, 2.0], engine="scalar") ** 2).mean()
        assert on_values.data.data == 2.5

    def test_copies_its_input(self) -> None:
        source = np.zeros(3)
        x = MLArray(source)
        source[0] = 5.0
        assert x.data[0] == 0.0

    def test_constructors(self) -> None:
        assert zeros(1, 4).to_list() == [[0.0] * 4]
        assert ones((2, 2)).data.sum() == 4.0
        set_seed(3)
        a = randn(2, 3).data
        set_seed(3)
        assert np.array_equal(a, randn(2, 3).data)
        with pytest.raises(ValueError, match="whole numbers"):
            zeros(2, -1)

    def test_ensure_array(self) -> None:
        x = MLArray([1.0])
        assert MLArray.ensure_array(x) is x
        a, b = MLArray.ensure_array([1.0, 2.0], np.ones(2))
        assert isinstance(a, MLArray) and isinstance(b, MLArray)

    def test_conversions(self) -> None:
        x = MLArray([[1.0, 2.0]])
        assert x.to_list() == [[1.0, 2.0]]
        assert MLArray(2.5).item() == 2.5
        assert float(MLArray([[4.0]])) == 4.0
        assert np.asarray(x).shape == (1, 2)
        with pytest.raises(ShapeError, match="one element"):
            x.item()

    def test_repr_shows_values(self) -> None:
        assert repr(MLArray([1.0, 2.0])) == "MLArray([1., 2.])"


class TestOperators:
    def test_numbers_and_numpy_arrays_on_either_side(self) -> None:
        x = MLArray([1.0, 2.0])
        for result in (1 + x, x + 1, np.ones(2) + x, x + np.ones(2)):
            assert isinstance(result, MLArray)
            assert result.to_list() == [2.0, 3.0]
        assert (2 - x).to_list() == [1.0, 0.0]
        assert (2 / x).to_list() == [2.0, 1.0]
        assert (2**x).to_list() == [2.0, 4.0]
        assert (-x).to_list() == [-1.0, -2.0]
        assert abs(MLArray([-3.0])).to_list() == [3.0]

    def test_matmul_with_lists(self) -> None:
        x = MLArray([[1.0, 2.0]])
        assert (x @ [[1.0], [1.0]]).to_list() == [[3.0]]
        assert ([[2.0, 0.0]] @ x.T).to_list() == [[2.0]]

    def test_shape_mismatch_is_a_shape_error_with_both_shapes(self) -> None:
        with pytest.raises(ShapeError, match=r"\(2, 3\), \(2, 3\)"):
            MLArray(np.ones((2, 3))) @ MLArray(np.ones((2, 3)))
        with pytest.raises(ShapeError, match=r"\(2,\), \(3,\)"):
            MLArray([1.0, 2.0]) + MLArray([1.0, 2.0, 3.0])

    def test_comparisons_give_constant_masks_and_equality_keeps_identity(self) -> None:
        x = MLArray([-1.0, 0.0, 2.0])
        mask = x > 0
        assert mask.to_list() == [0.0, 0.0, 1.0]
        assert not mask.requires_grad
        assert (x <= 0).to_list() == [1.0, 1.0, 0.0]
        assert x == x and x != MLArray([-1.0, 0.0, 2.0])
        assert len({x, x}) == 1

    def test_indexing_and_iteration(self) -> None:
        x = MLArray([[1.0, 2.0], [3.0, 4.0]])
        assert x[1].to_list() == [3.0, 4.0]
        assert x[:, 0].to_list() == [1.0, 3.0]
        assert [row.to_list() for row in x] == [[1.0, 2.0], [3.0, 4.0]]
        with pytest.raises(ShapeError, match="does not fit"):
            x[5]

    def test_reshape_and_transpose_forms(self) -> None:
        x = MLArray(np.arange(6.0))
        assert x.reshape(2, 3).shape == x.reshape((2, 3)).shape == (2, 3)
        assert x.reshape(2, 3).T.shape == (3, 2)
        assert MLArray(np.ones((2, 3, 4))).transpose(2, 0, 1).shape == (4, 2, 3)

    def test_stable_functions_at_extremes(self) -> None:
        big = MLArray([1e3, -1e3, 0.0])
        assert np.all(np.isfinite(big.sigmoid().data))
        assert big.logsumexp().item() == pytest.approx(1e3)
        with pytest.raises(NumericalError, match="all -inf"):  # log(0): see docs/numerics.md
            MLArray([-np.inf, -np.inf]).logsumexp()


class TestGradientsLifecycle:
    def test_grad_is_zero_before_backward_and_restart_clears_it(self) -> None:
        w = MLArray([1.0, 2.0])
        assert w.grad().to_list() == [0.0, 0.0]
        (w * w).sum().backward()
        assert w.grad().to_list() == [2.0, 4.0]
        w.restart()
        assert w.grad().to_list() == [0.0, 0.0]

    def test_leaf_gradients_accumulate(self) -> None:
        w = MLArray([1.0, 2.0])
        (w * 3).sum().backward()
        (w * 3).sum().backward()
        assert w.grad().to_list() == [6.0, 6.0]

    def test_grad_returns_a_copy_free_of_the_graph(self) -> None:
        w = MLArray([1.0])
        (w * 2).sum().backward()
        g = w.grad()
        g.data[0] = 100.0
        assert w.grad().to_list() == [2.0]
        assert not g.requires_grad

    def test_backward_twice_through_a_freed_graph_is_a_clear_error(self) -> None:
        w = MLArray([1.0, 2.0])
        loss = (w * w).sum()
        loss.backward()
        with pytest.raises(GraphError, match="already used by an earlier backward"):
            loss.backward()

    def test_retain_graph_allows_a_second_pass(self) -> None:
        w = MLArray([1.0, 2.0])
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        assert w.grad().to_list() == [4.0, 8.0]

    def test_backward_of_a_non_scalar_needs_a_gradient(self) -> None:
        w = MLArray([1.0, 2.0])
        with pytest.raises(GraphError, match=r"shape \(2,\)"):
            (w * 2).backward()
        (w * 2).backward(grad=[1.0, 0.5])
        assert w.grad().to_list() == [2.0, 1.0]

    def test_backward_on_a_constant_is_refused(self) -> None:
        x = MLArray([1.0], requires_grad=False)
        with pytest.raises(GraphError, match="nothing to differentiate"):
            (x * 2).sum().backward()

    def test_constants_get_no_gradient(self) -> None:
        x = MLArray([1.0, 2.0], requires_grad=False)
        w = MLArray([3.0, 4.0])
        (x * w).sum().backward()
        assert x._grad is None
        assert w.grad().to_list() == [1.0, 2.0]

    def test_no_grad_records_nothing(self) -> None:
        w = MLArray([1.0])
        with no_grad():
            y = w * 2
        assert not y.requires_grad and y._node is None

    def test_no_grad_works_as_a_decorator(self) -> None:
        @no_grad()
        def double(x: MLArray) -> MLArray:
            return x * 2

        assert not double(MLArray([1.0])).requires_grad

    def test_deep_graphs_need_no_recursion(self) -> None:
        w = MLArray([1.0])
        y = w
        for _ in range(20_000):
            y = y * 1.0
        y.sum().backward()
        assert w.grad().to_list() == [1.0]

    def test_backward_frees_every_intermediate_array(self) -> None:
        w = MLArray(np.ones((3, 3)))
        hidden = (w @ w).tanh()
        watcher = weakref.ref(hidden)
        loss = (hidden * 2).sum()
        del hidden
        gc.collect()
        assert watcher() is not None  # the graph keeps it alive until backward
        loss.backward()
        gc.collect()
        assert watcher() is None


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_assign_writes_numbers_in_place_on_either_engine(engine: str) -> None:
    a = MLArray([[1.0, 2.0], [3.0, 4.0]], engine=engine)
    storage, first = a.data, a.data[0, 0]
    a.assign(np.array([[5.0, 6.0], [7.0, 8.0]]))
    assert a.data is storage
    if engine == "scalar":
        assert a.data[0, 0] is first  # the same Value objects, holding new numbers
    assert a.engine == engine
    np.testing.assert_array_equal(a.numpy(), [[5.0, 6.0], [7.0, 8.0]])


def test_assign_refuses_numbers_of_another_shape() -> None:
    a = MLArray([1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match=r"assign\(\) needs numbers of shape \(3,\), not \(1, 3\)"):
        a.assign([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0, 3.0])
