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
    init,
    initializers,
    models,
    results,
    snn,
    train,
)
from normlab.activations import SELU, crelu, elu, selu, selu_for, selu_parameters
from normlab.data import Dataset, load, prepare
from normlab.experiments import run_experiment
from normlab.init import data_dependent_init
from normlab.initializers import lecun_normal_untruncated, looks_linear
from normlab.models import MLP, ConvNet, ConvPoolCNNC, LooksLinearMLP, ResidualMLP, ResNet
from normlab.nn import AlphaDropout, MeanOnlyBatchNorm, ResidualBlock, WeightNorm
from normlab.results import Result
from normlab.train import DivergenceError, History, evaluate, fit, fit_seeds

__version__ = "0.1.0"

__all__ = [
    "AlphaDropout",
    "ConvNet",
    "ConvPoolCNNC",
    "Dataset",
    "DivergenceError",
    "History",
    "LooksLinearMLP",
    "MLP",
    "MeanOnlyBatchNorm",
    "ResNet",
    "ResidualBlock",
    "ResidualMLP",
    "Result",
    "SELU",
    "WeightNorm",
    "activations",
    "crelu",
    "data",
    "data_dependent_init",
    "diagnostics",
    "elu",
    "evaluate",
    "experiments",
    "fit",
    "fit_seeds",
    "init",
    "initializers",
    "lecun_normal_untruncated",
    "load",
    "looks_linear",
    "models",
    "prepare",
    "results",
    "run_experiment",
    "selu",
    "selu_for",
    "selu_parameters",
    "snn",
    "train",
]
