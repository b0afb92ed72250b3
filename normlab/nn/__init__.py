"""Layers: NNX modules that wrap or extend Flax's, with Flax's argument names."""

from normlab.nn.conv import conv_general_dilated
from normlab.nn.dropout import AlphaDropout
from normlab.nn.mean_only_batch_norm import MeanOnlyBatchNorm
from normlab.nn.residual import ResidualBlock
from normlab.nn.weight_norm import WeightNorm

__all__: list[str] = [
    "AlphaDropout",
    "MeanOnlyBatchNorm",
    "ResidualBlock",
    "WeightNorm",
    "conv_general_dilated",
]
