"""Mutants that change nothing a user can observe, found by reading each survivor of ``mutate.py --all``.

No honest test can kill them, so the mutation session sets them aside: it does not run them, does not count them in
the score, and lists each with its reason. A mutant is named by its file, its line as written (without indentation
and end-of-line comment) and the change, as ``mutate.py --list`` prints them. When the code changes, an entry that
names a mutant no longer there is reported, to be removed; a survivor not named here is a missing test.
"""

from __future__ import annotations

FAST_PATH = "_expand's fast path taken or not: np.full and broadcast_to give the same numbers for such a gradient"
DEAD = "unreachable: a full reduction's gradient is 0-d, and the fast path above takes every 0-d one"
VJP_KEEPDIMS = "a default keepdims only meets a full reduction's 0-d gradient, which is expanded the same either way"
PRE_CHECK = "a wider pre-check only: the refusal inside still looks for the same elements"
AT_ZERO = "at x = 0 both formulas give exactly 0.5"
LOG_X = "log_x = np.where((x == 0) & (y >= 0), 0.0, np.log(np.where(x == 0, 1.0, x)))"
LOG_X_WHY = "at x = 0 this gives 0 either way (the inner where makes it log 1, the outer 0; y < 0 is refused)"
OUTER = "gx = np.multiply.outer(g, y) if x.ndim > 1 else g * y"
BASIC_INDEX = "return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)"
ADD_AT = "every index then takes np.add.at, which scatters basic indices right too, only slower"

PRIMITIVES = [  # (line, change, why)
    ("if axis is None and g.ndim == 0:", "axis is None  ->  axis is not None", FAST_PATH),
    ("if axis is None and g.ndim == 0:", "axis is None and g.ndim == 0  ->  axis is None or g.ndim == 0", FAST_PATH),
    ("if axis is None and g.ndim == 0:", "g.ndim == 0  ->  g.ndim != 0", FAST_PATH),
    ("if axis is None and g.ndim == 0:", "0  ->  1  in  g.ndim == 0", FAST_PATH),
    ("elif axis is None and not keepdims:", "axis is None  ->  axis is not None", DEAD),
    ("elif axis is None and not keepdims:", "not keepdims  ->  keepdims  in  axis is None and not keepdims", DEAD),
    ("elif axis is None and not keepdims:", "axis is None and not keepdims  ->  axis is None or not keepdims", DEAD),
    ("g = np.reshape(g, (1,) * len(shape))", "1  ->  0  in  (1,)", DEAD),
    ("g = np.reshape(g, (1,) * len(shape))", "1  ->  2  in  (1,)", DEAD),
    ("g = np.reshape(g, (1,) * len(shape))", "(1,) * len(shape)  ->  (1,) / len(shape)", DEAD),
    ("if np.any(np.less(x, 0)):", "0  ->  1  in  np.less(x, 0)", PRE_CHECK),
    (
        "local = np.where(root_of_zero, 0.0, local)",
        "0.0  ->  1.0  in  np.where(root_of_zero, 0.0, local)",
        "those elements receive a gradient of 0 (any other is refused above), and 0 times 1 is 0",
    ),
    (LOG_X, "0  ->  1  in  x == 0", "at x = 0 and at x = 1 the result is 0 either way: log 1 = 0"),
    (LOG_X, "0  ->  1  in  y >= 0", LOG_X_WHY),
    (LOG_X, "y >= 0  ->  y > 0", LOG_X_WHY),
    (LOG_X, "1.0  ->  2.0  in  np.where(x == 0, 1.0, x)", LOG_X_WHY),
    (LOG_X, "1.0  ->  0.0  in  np.where(x == 0, 1.0, x)", LOG_X_WHY),
    (OUTER, "x.ndim > 1  ->  x.ndim >= 1", "for a vector x the gradient g is 0-d, and the outer product is g * y"),
    (OUTER, "1  ->  0  in  x.ndim > 1", "for a vector x the gradient g is 0-d, and the outer product is g * y"),
    (
        "return unbroadcast(gx[..., 0, :] if x.ndim == 1 else gx, x.shape)",
        "1  ->  0  in  x.ndim == 1",
        "unbroadcast sums the kept axis of length 1 away, as the indexing did",
    ),
    ("return np.where(x >= 0, 1 / (1 + e), e / (1 + e))", "x >= 0  ->  x > 0", AT_ZERO),
    (
        "lambda g, ans, x, axis=None, keepdims=False: _expand(g, x.shape, axis, keepdims),",
        "False  ->  True",
        VJP_KEEPDIMS,
    ),
    (
        "lambda g, ans, x, axis=None, keepdims=False: "
        "_expand(g, x.shape, axis, keepdims) / _reduced_count(x.shape, axis),",
        "False  ->  True",
        VJP_KEEPDIMS,
    ),
    ("lambda g, ans, x, axis=None, keepdims=False: (", "False  ->  True", VJP_KEEPDIMS),
    (
        "g: np.ndarray, ans: np.ndarray, x: np.ndarray, axis: Any = None, keepdims: bool = False",
        "False  ->  True",
        VJP_KEEPDIMS,
    ),
    (
        "shift = np.where(np.isfinite(shift), shift, 0.0)",
        "0.0  ->  1.0  in  np.where(np.isfinite(shift), shift, 0.0)",
        "only for a slice holding +inf or nan, where logsumexp and softmax give inf and nan whatever the shift",
    ),
    ("shape[axis] = 1", "1  ->  0", "the gradient it shapes already has length 1 on that axis"),
    ("shape[axis] = 1", "1  ->  2", "the gradient it shapes already has length 1 on that axis"),
    (
        BASIC_INDEX,
        "p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))  ->  "
        "p is None and p is Ellipsis and isinstance(p, (slice, int, np.integer))",
        ADD_AT,
    ),
    (
        BASIC_INDEX,
        "return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p ...  ->  return None",
        ADD_AT,
    ),
]

VALUE = [
    (
        "if self.data >= 0:",
        "0  ->  1  in  self.data >= 0",
        "on [0, 1) the sigmoid is computed as e^x / (1 + e^x) instead: the same number, up to the last bit",
    ),
    ("if self.data >= 0:", "self.data >= 0  ->  self.data > 0", AT_ZERO),
    ("slope = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)", "x >= 0  ->  x > 0", AT_ZERO),
    (
        "return -math.inf if x < 0 and odd else math.inf",
        "x < 0  ->  x <= 0",
        "0 to any power allowed cannot overflow (a negative power is refused)",
    ),
]

LOSSES = [
    (
        "p = y_pred.clip(_epsilon(y_pred, epsilon), 1.0)",
        "1.0  ->  2.0  in  y_pred.clip(_epsilon(y_pred, epsilon), 1.0)",
        "probabilities are at most 1, and the gradient passes at the bound itself either way",
    ),
    (
        "return where(size <= delta, 0.5 * diff * diff, delta * size - 0.5 * delta * delta).mean()",
        "size <= delta  ->  size < delta",
        "at |d| = delta both pieces give delta^2 / 2 with slope delta, exactly",
    ),
]

ACTIVATION = [
    (
        "negative_part = where(x > 0, 0.0, x)",
        "0.0  ->  1.0  in  where(x > 0, 0.0, x)",
        "a stand-in for inputs > 0 that the outer where never uses; e^1 cannot overflow either",
    ),
    (
        "negative_part = where(x > 0, 0.0, x)",
        "0  ->  1  in  x > 0",
        "inputs in (0, 1] then reach the exponential, whose result the outer where never uses; e^1 cannot overflow",
    ),
]

EQUIVALENT: dict[tuple[str, str, str], str] = {
    (file, line, change): why
    for file, rows in [
        ("smolml_core/array/primitives.py", PRIMITIVES),
        ("smolml_core/value.py", VALUE),
        ("plugins/smolml_std/losses.py", LOSSES),
        ("plugins/smolml_std/activation.py", ACTIVATION),
    ]
    for line, change, why in rows
}
