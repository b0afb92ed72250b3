"""Layers: NNX modules that wrap or extend Flax's, with Flax's argument names."""

from normlab.nn.dropout import AlphaDropout
from normlab.nn.residual import ResidualBlock

__all__: list[str] = ["AlphaDropout", "ResidualBlock"]
