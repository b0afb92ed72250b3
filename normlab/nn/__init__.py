"""Layers: NNX modules that wrap or extend Flax's, with Flax's argument names."""

from normlab.nn.dropout import AlphaDropout

__all__: list[str] = ["AlphaDropout"]
