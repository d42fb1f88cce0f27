"""Leaving SmolML: a network written as an ONNX model, or turned into a PyTorch module.

Export works by operation, not by component: ``trace`` records the forward
pass as the primitives that computed it, and each primitive maps to ONNX
operators and to torch functions. Every layer made of primitives, a
plugin's included, exports with no code of its own; an operation a plugin
adds brings its mappings (``primitive(..., onnx=..., torch=...)``). Neither
``onnx`` nor ``torch`` is imported until an export needs it.
"""

from .onnx import OPSET, OnnxGraph, to_onnx
from .torch import to_torch
from .trace import INPUT, TARGET, Op, Ref, Trace, trace

__all__ = ["INPUT", "OPSET", "TARGET", "OnnxGraph", "Op", "Ref", "Trace", "to_onnx", "to_torch", "trace"]
