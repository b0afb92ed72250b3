"""normlab: normalization building blocks for Flax NNX, and the book's training loop.

Example:
    >>> import normlab
    >>> normlab.__version__
    '0.1.0'
"""

from typing import TYPE_CHECKING

# Loaded on first use (PEP 562), so that the command line and `normlab.data` answer without
# importing JAX (about 2 s): a missing dataset is reported before any framework loads.
_SUBMODULES = (
    "activations",
    "data",
    "diagnostics",
    "experiments",
    "init",
    "initializers",
    "models",
    "nn",
    "results",
    "snn",
    "train",
)
_NAMES = {
    "SELU": "activations",
    "crelu": "activations",
    "elu": "activations",
    "selu": "activations",
    "selu_for": "activations",
    "selu_parameters": "activations",
    "Dataset": "data",
    "load": "data",
    "prepare": "data",
    "run_experiment": "experiments",
    "data_dependent_init": "init",
    "lecun_normal_untruncated": "initializers",
    "looks_linear": "initializers",
    "MLP": "models",
    "ConvNet": "models",
    "ConvPoolCNNC": "models",
    "LooksLinearMLP": "models",
    "ResidualMLP": "models",
    "ResNet": "models",
    "AlphaDropout": "nn",
    "MeanOnlyBatchNorm": "nn",
    "ResidualBlock": "nn",
    "WeightNorm": "nn",
    "Result": "results",
    "DivergenceError": "train",
    "History": "train",
    "evaluate": "train",
    "fit": "train",
    "fit_seeds": "train",
}

if TYPE_CHECKING:  # what type checkers and IDEs see: the same names, imported eagerly
    from normlab import (  # noqa: F401
        activations,
        data,
        diagnostics,
        experiments,
        init,
        initializers,
        models,
        nn,
        results,
        snn,
        train,
    )
    from normlab.activations import SELU, crelu, elu, selu, selu_for, selu_parameters
    from normlab.data import Dataset, load, prepare
    from normlab.experiments import run_experiment
    from normlab.init import data_dependent_init
    from normlab.initializers import lecun_normal_untruncated, looks_linear
    from normlab.models import (
        MLP,
        ConvNet,
        ConvPoolCNNC,
        LooksLinearMLP,
        ResidualMLP,
        ResNet,
    )
    from normlab.nn import AlphaDropout, MeanOnlyBatchNorm, ResidualBlock, WeightNorm
    from normlab.results import Result
    from normlab.train import DivergenceError, History, evaluate, fit, fit_seeds


def __getattr__(name: str):
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"normlab.{name}")
    if name in _NAMES:
        value = getattr(importlib.import_module(f"normlab.{_NAMES[name]}"), name)
        globals()[name] = value  # the next access skips this function
        return value
    raise AttributeError(f"module 'normlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


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
