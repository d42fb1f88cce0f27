"""The shared parameter validators: each boundary, what counts as a number, the normalised value, the path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smolml_core import ConfigError, validation
from smolml_core.wording import quote

INF, NAN = math.inf, math.nan

# validator, values it accepts, values it refuses (besides the non-numbers every real validator refuses)
REAL = {
    "finite": (validation.finite, [-1e300, -1, 0, 0.0, -0.0, 1, 2.5, 1e300], [INF, -INF, NAN, 10**400]),
    "positive": (validation.positive, [5e-324, 1e-8, 1, 1e300], [0, 0.0, -0.0, -1e-300, -1, INF, NAN, 10**400]),
    "non_negative": (validation.non_negative, [0, 0.0, -0.0, 1e-300, 1, 1e300], [-5e-324, -1, INF, -INF, NAN]),
    "fraction": (validation.fraction, [0, 0.0, -0.0, 0.5, 0.999999], [1, 1.0, -1e-300, 1.5, INF, -INF, NAN]),
    "probability": (validation.probability, [0, 0.0, 0.5, 1, 1.0], [1.0000001, -1e-300, 2, INF, NAN]),
}
MESSAGES = {
    "finite": "must be a finite number",
    "positive": "must be a finite number > 0",
    "non_negative": "must be a finite number >= 0",
    "fraction": "must be a number in [0, 1)",
    "probability": "must be a number in [0, 1]",
}
NOT_NUMBERS = [True, False, np.bool_(True), "0.5", None, [0.5], np.array([0.5]), 1j]


def accepted(name: str) -> list[tuple[str, object]]:
    return [(name, value) for value in REAL[name][1]]


@pytest.mark.parametrize(("name", "value"), [case for name in REAL for case in accepted(name)])
def test_a_real_validator_returns_the_value_as_a_float(name: str, value: object) -> None:
    check = REAL[name][0]
    result = check(value, "x")
    assert type(result) is float
    assert result == value
    assert math.copysign(1, result) == math.copysign(1, value)  # -0.0 stays -0.0


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name in REAL for value in [*REAL[name][2], *NOT_NUMBERS]], ids=repr
)
def test_a_real_validator_refuses_with_the_path_and_the_value(name: str, value: object) -> None:
    with pytest.raises(ConfigError) as error:
        REAL[name][0](value, "beta1")
    assert error.value.path == ("beta1",)
    assert str(error.value) == f"beta1: {MESSAGES[name]}, got {quote(value)}"


@pytest.mark.parametrize("name", list(REAL))
def test_numpy_numbers_count_as_numbers(name: str) -> None:
    for value in (np.float64(0.25), np.float32(0.25), np.int64(0) if name != "positive" else np.int64(1)):
        result = REAL[name][0](value, "x")
        assert type(result) is float and result == value


def test_the_error_path_is_completed_by_the_callers() -> None:
    with pytest.raises(ConfigError) as error:
        validation.positive(0, "learning_rate")
    assert str(error.value.at("optimizer")) == "optimizer.learning_rate: must be a finite number > 0, got 0"


# -- interval ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "inside", "outside"),
    [
        ("[0, 1)", [0, 0.0, 0.5], [1, 1.0, -1e-300]),
        ("(0, 1]", [1e-300, 1, 1.0], [0, 0.0, 1.0000001]),
        ("(0, 0.5)", [1e-15, 0.25, 0.49999], [0, 0.5, 0.7]),
        ("[0, 1]", [0, 1], [-1, 2]),
        ("(0, 1e150]", [1e150, 1], [0, 1.0000001e150, int(1e150) + 1, INF]),
        ("[-1, 1]", [-1, 0, 1], [-1.5, 1.5]),
    ],
)
def test_interval_includes_exactly_the_bounds_it_is_given(bounds: str, inside: list, outside: list) -> None:
    for value in inside:
        assert validation.interval(value, "x", bounds) == value
        assert type(validation.interval(value, "x", bounds)) is float
    for value in [*outside, NAN, True, "0.5", None]:
        with pytest.raises(ConfigError) as error:
            validation.interval(value, "x", bounds)
        assert str(error.value) == f"x: must be a number in {bounds}, got {quote(value)}"


@pytest.mark.parametrize("bounds", ["0, 1", "[0; 1)", "[0, 1", "[a, 1)", "{0, 1}", ""])
def test_interval_refuses_bounds_it_cannot_read(bounds: str) -> None:
    with pytest.raises(ValueError, match="bounds must be written like"):
        validation.interval(0.5, "x", bounds)


def test_interval_compares_a_large_int_exactly() -> None:
    # int(1e150) + 1 rounds to 1e150 as a float, but it is above the bound
    assert validation.interval(int(1e150), "x", "(0, 1e150]") == 1e150
    with pytest.raises(ConfigError):
        validation.interval(int(1e150) + 1, "x", "(0, 1e150]")


# -- whole numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "minimum"), [(1, 1), (7, 1), (0, 0), (10**30, 1), (np.int64(3), 1), (-2, -5)])
def test_whole_number_accepts_ints_from_the_minimum(value: object, minimum: int) -> None:
    result = validation.whole_number(value, "size", minimum=minimum)
    assert type(result) is int and result == value


NOT_WHOLE = [(True, 1), (False, 0), (np.bool_(True), 1), (1.0, 1), (2.5, 1), ("2", 1), (None, 1), (INF, 1), (NAN, 0)]


@pytest.mark.parametrize(
    ("value", "minimum"), [(0, 1), (-1, 1), (-1, 0), (2, 3), *NOT_WHOLE, (np.float64(2.0), 1), (np.int64(0), 1)]
)
def test_whole_number_refuses_non_ints_and_values_below_the_minimum(value: object, minimum: int) -> None:
    with pytest.raises(ConfigError) as error:
        validation.whole_number(value, "size", minimum=minimum)
    assert error.value.path == ("size",)
    assert str(error.value) == f"size: must be a whole number >= {minimum}, got {quote(value)}"


def test_whole_number_counts_from_one_unless_told() -> None:
    assert validation.whole_number(1, "every") == 1
    with pytest.raises(ConfigError, match=r"^every: must be a whole number >= 1, got 0$"):
        validation.whole_number(0, "every")


# -- booleans, choices, dtypes --------------------------------------------------------------------------------


def test_boolean_accepts_only_true_and_false() -> None:
    assert validation.boolean(True, "shuffle") is True
    assert validation.boolean(False, "shuffle") is False
    assert validation.boolean(np.bool_(False), "shuffle") is False
    for value in (1, 0, 1.0, "yes", "true", None, [True]):
        with pytest.raises(ConfigError) as error:
            validation.boolean(value, "shuffle")
        assert str(error.value) == f"shuffle: must be true or false, got {quote(value)}"


def test_one_of_lists_the_choices() -> None:
    assert validation.one_of("max", "mode", ("min", "max", "auto")) == "max"
    for value in ("MAX", "", None, 1):
        with pytest.raises(ConfigError) as error:
            validation.one_of(value, "mode", ("min", "max", "auto"))
        assert str(error.value) == f"mode: must be 'min', 'max' or 'auto', got {quote(value)}"
    with pytest.raises(ConfigError, match=r"^mode: must be 'only', got 'other'$"):
        validation.one_of("other", "mode", ["only"])


def test_one_of_tells_a_bool_from_an_int() -> None:
    assert validation.one_of(1, "n", (1, 2)) == 1
    with pytest.raises(ConfigError, match=r"^n: must be 1 or 2, got True$"):
        validation.one_of(True, "n", (1, 2))
    with pytest.raises(ConfigError, match=r"^flag: must be True or False, got 1$"):
        validation.one_of(1, "flag", (True, False))
    with pytest.raises(ConfigError):  # an array is compared as a whole, never element by element
        validation.one_of(np.array(["min", "max"]), "mode", ("min", "max"))


@pytest.mark.parametrize(
    ("value", "expected"), [("float64", np.float64), ("float32", np.float32), (np.float32, np.float32)]
)
def test_float_dtype_gives_the_dtype(value: object, expected: type) -> None:
    assert validation.float_dtype(value) == np.dtype(expected)


@pytest.mark.parametrize("value", ["int32", "float16", "f8,f8", ">f8" if np.little_endian else "<f8", "nonsense", 32])
def test_float_dtype_refuses_other_dtypes_naming_the_parameter(value: object) -> None:
    with pytest.raises(ConfigError) as error:
        validation.float_dtype(value)
    assert str(error.value) == f"dtype: must be 'float64' or 'float32', got {quote(value)}"
    with pytest.raises(ConfigError, match=r"^storage: "):
        validation.float_dtype(value, "storage")


# -- the predicates -----------------------------------------------------------------------------------------------


def test_what_counts_as_a_number() -> None:
    for value in (0, -3, 2.5, INF, NAN, np.int8(1), np.float32(0.5), np.uint64(7)):
        assert validation.is_number(value), value
    for value in (True, False, np.bool_(False), "1", None, 1j, np.array(1.0), [1]):
        assert not validation.is_number(value), value


def test_what_counts_as_a_whole_number() -> None:
    for value in (0, -3, 10**40, np.int8(1), np.uint64(7)):
        assert validation.is_whole_number(value), value
    for value in (True, np.bool_(True), 1.0, np.float64(1.0), "1", None):
        assert not validation.is_whole_number(value), value


def test_every_public_name_is_listed() -> None:
    public = {name for name in vars(validation) if not name.startswith("_") and callable(getattr(validation, name))}
    public -= {"annotations", "Any", "Sequence", "ConfigError"}
    assert public == set(validation.__all__)
