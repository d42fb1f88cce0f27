"""DOT drawings of Value graphs: structure, content, determinism, limits and safe writing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from smolml_core import GraphError, MLArray, Value
from smolml_core.drawing import to_dot, write_dot

# -- a tiny structural reader of the DOT we produce (no parser dependency) ---------

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NODE = re.compile(r"^(\w+) \[(.*)\]$", re.DOTALL)
_EDGE = re.compile(r"^(\w+) -> (\w+)$")
_LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Check the DOT text's structure and return ``({node: label}, [(tail, head), ...])``.

    Braces must balance outside quoted strings, every statement must be a node or an
    edge, nodes must be declared once, and every edge endpoint must be declared first.
    """
    lines = [line for line in text.splitlines() if not line.startswith("//")]
    body = "\n".join(lines)
    outside = _QUOTED.sub('""', body)
    depth = 0
    for char in outside:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a closing brace without an opening one"
    assert depth == 0, "unbalanced braces"
    assert lines[0] == "digraph smolml {" and lines[-1] == "}"

    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for line in lines[1:-1]:
        statement = line.strip()
        assert statement.endswith(";"), f"statement without ';': {line!r}"
        statement = statement[:-1]
        if statement.startswith(("rankdir=", "node [")):
            continue
        if edge := _EDGE.match(statement):
            tail, head = edge.groups()
            assert tail in nodes and head in nodes, f"edge to an undeclared node: {line!r}"
            edges.append((tail, head))
        elif node := _NODE.match(statement):
            name, attributes = node.groups()
            assert name not in nodes, f"{name} declared twice"
            label = _LABEL.search(attributes)
            assert label, f"node without a label: {line!r}"
            nodes[name] = label.group(1)
        else:
            raise AssertionError(f"not a node or an edge: {line!r}")
    return nodes, edges


def record_fields(label: str) -> list[str]:
    """The fields of a record label ``{ a | b | c }``, split at unescaped bars."""
    assert label.startswith("{ ") and label.endswith(" }")
    return [field.strip() for field in re.split(r"(?<!\\)\|", label[2:-2])]


def value_nodes(nodes: dict[str, str]) -> dict[str, list[str]]:
    return {name: record_fields(label) for name, label in nodes.items() if not name.endswith("_op")}


def op_nodes(nodes: dict[str, str]) -> dict[str, str]:
    return {name: label for name, label in nodes.items() if name.endswith("_op")}


# -- the classic neuron ----------------------------------------------------------


def neuron() -> tuple[Value, dict[Value, str]]:
    """o = tanh(x1*w1 + x2*w2 + b), after backward(); o is 0.7071 and n.grad is 0.5."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    n = x1w1 + x2w2 + b
    o = n.tanh()
    o.backward()
    return o, {x1: "x1", x2: "x2", w1: "w1", w2: "w2", b: "b", x1w1: "x1*w1", n: "n", o: "o"}


def test_neuron_has_one_box_per_value_and_one_node_per_operation() -> None:
    o, _ = neuron()
    nodes, edges = parse(to_dot(o))
    assert len(value_nodes(nodes)) == 10  # 5 leaves, 5 results
    assert sorted(op_nodes(nodes).values()) == ["*", "*", "+", "+", "tanh"]
    assert len(edges) == 4 * 3 + 2  # four binary ops (2 in, 1 out), one tanh (1 in, 1 out)
    for op in op_nodes(nodes):
        assert (op, op.removesuffix("_op")) in edges  # each op feeds exactly its result
        assert sum(1 for tail, _ in edges if tail == op) == 1


def test_data_grad_and_labels_appear_in_the_boxes() -> None:
    o, labels = neuron()
    nodes, _ = parse(to_dot(o, labels=labels))
    boxes = {fields[0]: fields[1:] for fields in value_nodes(nodes).values() if len(fields) == 3}
    assert boxes["x1"] == ["data 2", "grad -1.5"]
    assert boxes["w1"] == ["data -3", "grad 1"]
    assert boxes["x2"] == ["data 0", "grad 0.5"]
    assert boxes["w2"] == ["data 1", "grad 0"]
    assert boxes["b"] == ["data 6.881", "grad 0.5"]
    assert boxes["n"] == ["data 0.8814", "grad 0.5"]
    assert boxes["o"] == ["data 0.7071", "grad 1"]
    assert boxes["x1*w1"] == ["data -6", "grad 0.5"]
    # The two unnamed values get data and grad only, no empty name field.
    unnamed = [fields for fields in value_nodes(nodes).values() if len(fields) == 2]
    assert sorted(unnamed) == [["data -6", "grad 0.5"], ["data 0", "grad 0.5"]]


def test_nodes_come_in_topological_order_from_the_inputs() -> None:
    o, labels = neuron()
    nodes, edges = parse(to_dot(o, labels=labels))
    order = [fields[0] for fields in value_nodes(nodes).values()]
    assert order == ["x1", "w1", "x1*w1", "x2", "w2", "data 0", "data -6", "b", "n", "o"]
    position = {name: i for i, name in enumerate(nodes)}
    assert all(position[tail] < position[head] for tail, head in edges)


def test_labels_for_values_outside_the_graph_are_ignored() -> None:
    o, labels = neuron()
    elsewhere = Value(1.0)
    assert to_dot(o, labels={**labels, elsewhere: "elsewhere"}) == to_dot(o, labels=labels)


def test_a_leaf_alone_is_one_box() -> None:
    nodes, edges = parse(to_dot(Value(3.0), labels={}))
    assert list(value_nodes(nodes).values()) == [["data 3", "grad 0"]]
    assert edges == []


# -- shared values, determinism, options ---------------------------------------


def test_a_shared_subexpression_is_drawn_once() -> None:
    a, b = Value(2.0), Value(3.0)
    h = a * b
    out = h + h  # h used twice by one operation
    nodes, edges = parse(to_dot(out, labels={a: "a", b: "b", h: "h", out: "out"}))
    boxes = value_nodes(nodes)
    assert [fields[0] for fields in boxes.values()] == ["a", "b", "h", "out"]
    h_name = next(name for name, fields in boxes.items() if fields[0] == "h")
    out_name = next(name for name, fields in boxes.items() if fields[0] == "out")
    assert edges.count((h_name, f"{out_name}_op")) == 2  # one edge per use


def test_a_value_reused_across_branches_is_drawn_once() -> None:
    x = Value(0.5)
    out = x.tanh() + x.exp() * x
    nodes, edges = parse(to_dot(out, labels={x: "x"}))
    assert sum(1 for fields in value_nodes(nodes).values() if fields[0] == "x") == 1
    assert len(value_nodes(nodes)) == 5
    assert sum(1 for tail, _ in edges if tail == "v0") == 3  # x feeds tanh, exp and *


def test_the_same_computation_gives_the_same_text() -> None:
    first, labels = neuron()
    second, second_labels = neuron()  # new objects, at other addresses
    assert to_dot(first, labels=labels) == to_dot(second, labels=second_labels)
    assert to_dot(first) == to_dot(first)
    assert "0x" not in to_dot(first)  # nothing derived from id()


def test_rankdir_is_passed_to_graphviz() -> None:
    o, _ = neuron()
    assert "  rankdir=LR;\n" in to_dot(o)
    assert "  rankdir=TB;\n" in to_dot(o, rankdir="TB")


def test_numbers_are_compact() -> None:
    x = Value(1 / 3)
    x.grad = 1234567.0
    nodes, _ = parse(to_dot(x))
    assert value_nodes(nodes)["v0"] == ["data 0.3333", "grad 1.235e+06"]
    assert value_nodes(parse(to_dot(Value(float("inf"))))[0])["v0"] == ["data inf", "grad 0"]


# -- escaping ------------------------------------------------------------------


def test_record_special_characters_in_labels_are_escaped() -> None:
    x = Value(1.0)
    tricky = 'a{b}|c<d>"e\\f'
    text = to_dot(x * 2, labels={x: tricky})
    assert '\\{b\\}\\|c\\<d\\>\\"e\\\\f' in text
    nodes, _ = parse(text)  # braces and quotes inside the label do not break the structure
    assert value_nodes(nodes)["v0"][0] == r"a\{b\}\|c\<d\>\"e\\f"
    assert len(value_nodes(nodes)["v0"]) == 3  # the | in the name does not add a field


def test_a_newline_in_a_label_becomes_a_dot_line_break() -> None:
    x = Value(1.0)
    text = to_dot(x, labels={x: "first\nsecond"})
    assert "first\\nsecond" in text
    assert len(text.splitlines()) == len(to_dot(x, labels={x: "one"}).splitlines())


def test_an_unusual_operation_name_is_escaped() -> None:
    x = Value(1.0)
    odd = Value(2.0, (x,), 'f"\\')
    nodes, _ = parse(to_dot(odd))
    assert op_nodes(nodes) == {"v1_op": 'f\\"\\\\'}


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graphviz_renders_the_text(tmp_path) -> None:
    o, labels = neuron()
    x = Value(1.0)
    for text in (to_dot(o, labels=labels), to_dot(x * x, labels={x: 'a{b}|c<d>"e\\f\nline'})):
        result = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=False)
        assert result.returncode == 0 and not result.stderr, result.stderr
    svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
    assert "a{b}|c&lt;d&gt;&quot;e\\f" in svg  # escaped in DOT, shown literally


# -- the size limit --------------------------------------------------------------


def chain(length: int) -> Value:
    """A chain of exactly ``length`` Values: x, tanh(x), tanh(tanh(x)), ..."""
    y = Value(0.5)
    for _ in range(length - 1):
        y = y.tanh()
    return y


def test_a_graph_over_the_limit_is_refused_with_the_count_and_what_to_do() -> None:
    with pytest.raises(GraphError) as caught:
        to_dot(chain(1_000), max_nodes=300)
    message = str(caught.value)
    assert "1000 Values" in message
    assert "max_nodes=300" in message
    assert "smaller computation" in message and "max_nodes=1000" in message
    assert isinstance(caught.value, RuntimeError)


def test_the_limit_counts_values_and_is_inclusive() -> None:
    nodes, _ = parse(to_dot(chain(300)))  # default max_nodes=300
    assert len(value_nodes(nodes)) == 300
    with pytest.raises(GraphError, match="301 Values"):
        to_dot(chain(301))
    assert to_dot(chain(3), max_nodes=3)


def test_a_long_chain_is_drawn_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000)  # far below the chain's depth
    try:
        text = to_dot(chain(20_000), max_nodes=20_000)
    finally:
        sys.setrecursionlimit(limit)
    nodes, edges = parse(text)
    assert len(value_nodes(nodes)) == 20_000
    assert len(edges) == 2 * 19_999


# -- argument errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("root", "given"),
    [(3.0, "float"), ([Value(1.0)], "list"), (None, "NoneType"), (MLArray([1.0]), "MLArray")],
)
def test_root_must_be_a_value(root, given: str) -> None:
    with pytest.raises(TypeError, match=rf"root must be a Value, got {given}"):
        to_dot(root)


def test_an_mlarray_root_on_the_array_engine_gets_a_hint() -> None:
    with pytest.raises(TypeError, match="only on the scalar engine and with one element"):
        to_dot(MLArray([1.0]))


def test_a_one_element_scalar_engine_array_is_drawn_through_its_value() -> None:
    x = MLArray([[1.0, -2.0]], engine="scalar")
    w = MLArray([[0.5], [0.25]], engine="scalar")
    loss = (x @ w).tanh().sum()
    assert to_dot(loss) == to_dot(loss.value())
    assert "tanh" in to_dot(loss)


@pytest.mark.parametrize("max_nodes", [2.5, "300", None, True])
def test_max_nodes_must_be_a_whole_number(max_nodes) -> None:
    with pytest.raises(TypeError, match="max_nodes must be a whole number"):
        to_dot(Value(1.0), max_nodes=max_nodes)


@pytest.mark.parametrize("max_nodes", [0, -5])
def test_max_nodes_must_be_positive(max_nodes: int) -> None:
    with pytest.raises(ValueError, match=f"max_nodes must be at least 1, got {max_nodes}"):
        to_dot(Value(1.0), max_nodes=max_nodes)


def test_rankdir_must_be_a_graphviz_direction() -> None:
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT, got 'sideways'"):
        to_dot(Value(1.0), rankdir="sideways")


def test_labels_must_map_values_to_strings() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="labels must be a dict"):
        to_dot(x, labels=["x"])
    with pytest.raises(TypeError, match="labels keys must be Values, got str"):
        to_dot(x, labels={"x": "x"})
    with pytest.raises(TypeError, match="labels values must be strings, got int"):
        to_dot(x, labels={x: 1})


# -- write_dot -------------------------------------------------------------------


def test_write_dot_writes_the_text_and_leaves_no_temporary_file(tmp_path) -> None:
    o, labels = neuron()
    target = tmp_path / "graph.dot"
    assert write_dot(o, target, labels=labels) == target
    assert target.read_text(encoding="utf-8") == to_dot(o, labels=labels)
    assert os.listdir(tmp_path) == ["graph.dot"]
    write_dot(o, str(target), rankdir="TB")  # replaces an existing file; str paths work too
    assert "rankdir=TB;" in target.read_text(encoding="utf-8")
    assert os.listdir(tmp_path) == ["graph.dot"]


def test_a_refused_graph_does_not_touch_the_file(tmp_path) -> None:
    target = tmp_path / "graph.dot"
    target.write_text("old drawing\n", encoding="utf-8")
    with pytest.raises(GraphError):
        write_dot(chain(1_000), target, max_nodes=300)
    with pytest.raises(TypeError):
        write_dot(1.0, target)
    assert target.read_text(encoding="utf-8") == "old drawing\n"
    assert os.listdir(tmp_path) == ["graph.dot"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch, failing: str) -> None:
    target = tmp_path / "graph.dot"
    target.write_text("old drawing\n", encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(f"simulated {failing} failure")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match=f"simulated {failing} failure"):
        write_dot(neuron()[0], target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old drawing\n"
    assert os.listdir(tmp_path) == ["graph.dot"]


def test_a_missing_folder_is_an_error_and_creates_nothing(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        write_dot(Value(1.0), tmp_path / "missing" / "graph.dot")
    assert os.listdir(tmp_path) == []
