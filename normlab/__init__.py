"""normlab: normalization building blocks for Flax NNX, and the book's training loop.

Example:
    >>> import normlab
    >>> normlab.__version__
    '0.1.0'
"""

from normlab import (
    activations,
    data,
    diagnostics,
    experiments,
    initializers,
    models,
    results,
    snn,
    train,
)
from normlab.data import Dataset, load, prepare
from normlab.models import MLP, LooksLinearMLP, ResidualMLP, ResNet
from normlab.nn import AlphaDropout, ResidualBlock
from normlab.results import Result, run_experiment
from normlab.train import DivergenceError, History, evaluate, fit, fit_seeds

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "AlphaDropout",
    "Dataset",
    "DivergenceError",
    "History",
    "LooksLinearMLP",
    "ResNet",
    "Result",
    "ResidualBlock",
    "ResidualMLP",
    "activations",
    "data",
    "diagnostics",
    "evaluate",
    "experiments",
    "fit",
    "fit_seeds",
    "initializers",
    "load",
    "models",
    "prepare",
    "results",
    "run_experiment",
    "snn",
    "train",
]
