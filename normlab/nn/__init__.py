"""Layers: NNX modules that wrap or extend Flax's, with Flax's argument names."""

__all__: list[str] = []
