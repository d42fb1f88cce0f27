"""Networks and the contracts their parts follow: layers, optimizers, initializers."""

from .checkpoint import Checkpoint
from .initializer import WeightInitializer, fans
from .layer import Layer
from .network import NeuralNetwork
from .optimizer import Optimizer

__all__ = ["Checkpoint", "Layer", "NeuralNetwork", "Optimizer", "WeightInitializer", "fans"]
