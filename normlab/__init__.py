"""normlab: normalization building blocks for Flax NNX, and the book's training loop."""

__version__ = "0.1.0"
