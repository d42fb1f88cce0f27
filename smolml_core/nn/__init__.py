"""Networks and the contracts their parts follow: layers, optimizers, initializers; and how they train."""

from .callbacks import Callback, EarlyStopping
from .checkpoint import Checkpoint
from .history import History
from .initializer import WeightInitializer, fans
from .layer import Layer, Shape
from .mode import is_training, training_mode
from .network import NeuralNetwork
from .optimizer import Optimizer
from .schedules import Schedule
from .stacking import build_layer, build_layers
from .step import ScoredStep, train_step

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "History",
    "Layer",
    "NeuralNetwork",
    "Optimizer",
    "Schedule",
    "ScoredStep",
    "Shape",
    "WeightInitializer",
    "build_layer",
    "build_layers",
    "fans",
    "is_training",
    "train_step",
    "training_mode",
]
