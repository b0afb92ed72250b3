"""Layers: NNX modules that wrap or extend Flax's, with Flax's argument names."""

from normlab.activations import SELU, selu_for
from normlab.nn.conv import conv_general_dilated
from normlab.nn.dropout import AlphaDropout
from normlab.nn.mean_only_batch_norm import MeanOnlyBatchNorm
from normlab.nn.residual import ResidualBlock
from normlab.nn.weight_norm import WeightNorm

__all__: list[str] = [
    "AlphaDropout",
    "MeanOnlyBatchNorm",
    "ResidualBlock",
    "SELU",
    "WeightNorm",
    "conv_general_dilated",
    "selu_for",
]
