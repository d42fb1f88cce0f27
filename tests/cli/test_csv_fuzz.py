"""Fuzzing the CSV files predict and evaluate read: every outcome is a result or one line naming the problem.

Files are made of a few columns whose names may be the model's features, an
id or the answers, and cells that may be numbers, text, blanks, huge or
non-finite numbers, quotes, or bytes that are not UTF-8. Whatever comes in,
the command returns 0 with a result, or 2 with one ``smolml: error`` line;
no exception gets out of ``main``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from smolml_core import build_network  # noqa: E402
from smolml_core.cli import main  # noqa: E402
from smolml_core.cli.description import DataDescription  # noqa: E402

FEATURES = ["a", "b"]
NAMES = [*FEATURES, "id", "label", "", "a b", '"q"', "é"]
CELLS = st.one_of(
    st.sampled_from(["0", "1", "2", "-1.5", "1e308", "1e999", "nan", "inf", "", " ", "x", "yes", "no", "'1'"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
)


NUMBERS = st.one_of(st.sampled_from(["0", "1"]), st.floats(-1e6, 1e6).map(repr))


@st.composite
def csv_files(draw) -> bytes:
    """Half the files are nearly right (the model's columns, rows as wide as the header), so success is tried too."""
    if draw(st.booleans()):
        extra = draw(st.lists(st.sampled_from(["id", "a b", "é"]), max_size=2, unique=True))
        header = draw(st.permutations([*FEATURES, "label", *extra]))
        cells = st.one_of(*[NUMBERS] * 12, CELLS)  # now and then one bad cell
        answers = st.one_of(st.sampled_from(["0", "1", "no", "yes"]), cells)
        row = st.tuples(*(answers if name == "label" else cells for name in header)).map(list)
        rows = draw(st.lists(row, min_size=1, max_size=5))
    else:
        header = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=5))
        rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=5))
    lines = [",".join(header), *(",".join(row) for row in rows)]
    text = draw(st.sampled_from(["\n", "\n", "\r\n", ";"])).join(lines) if lines else ""
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 3)) == 0:
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe"])) + data
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"1", b"\x80", 1)  # a byte that is not UTF-8
    return data


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    made = {}
    for name, (activation, loss, classes) in {
        "binary": ("sigmoid", "binary_cross_entropy", ["no", "yes"]),
        "numbers": ("linear", "mse", None),
    }.items():
        network = build_network(
            {
                "layers": [{"type": "dense", "input_size": 2, "output_size": 1, "activation_function": activation}],
                "loss_function": loss,
            }
        )
        made[name] = network.save(folder / f"{name}.npz")
        DataDescription(FEATURES, classes).write(made[name])
        made[f"{name}-bare"] = network.save(folder / f"{name}-bare.npz")  # no description: columns by position
    return made


def _check(status: int, out: str, err: str) -> None:
    assert status in (0, 2), (status, err)
    if status == 2:
        assert err.startswith("smolml: error") and err.count("\n") == 1, err
    else:
        assert out.strip(), "a success prints its result"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_files(), model=st.sampled_from(["binary", "numbers", "binary-bare", "numbers-bare"]))
def test_predict_and_evaluate_give_a_result_or_one_line(models, tmp_path, capsys, data, model) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_bytes(data)
    _check(main(["predict", str(models[model]), str(rows)]), *capsys.readouterr())
    _check(main(["evaluate", str(models[model]), str(rows), "--target", "label"]), *capsys.readouterr())
