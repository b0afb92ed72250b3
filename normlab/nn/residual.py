"""A residual connection around any block, with the branch scaled by ``beta``."""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
from flax import nnx

__all__ = ["ResidualBlock"]


class ResidualBlock(nnx.Module):
    r"""``x + beta * f(x)``: a skip connection around the block ``f``.

    Wraps any module or function whose output has the input's shape (a dense
    or convolutional branch, with or without normalization). Scaling the
    branch by a small ``beta`` keeps a deep residual network close to the
    identity at initialization, which is how Balduzzi et al. slow the decay of
    the correlation between gradients at nearby inputs (their Theorem 3:
    about :math:`1/(\beta\sqrt{L})` for :math:`L` blocks with batch norm).

    .. math:: y = x + \beta\, f(x)

    Args:
        f: the residual branch, a module or callable with ``f(x).shape == x.shape``.
        beta: the branch's scale :math:`\beta` (1 is the usual resnet, 0 the identity).

    Example:
        >>> import jax.numpy as jnp
        >>> block = ResidualBlock(nnx.Linear(3, 3, rngs=nnx.Rngs(0)), beta=0.0)
        >>> x = jnp.ones((2, 3))
        >>> bool((block(x) == x).all())
        True

    References:
        Balduzzi et al., "The shattered gradients problem: If resnets are the
        answer, then what is the question?", ICML 2017, arXiv:1702.08591.
    """

    def __init__(self, f: nnx.Module | Callable, *, beta: float = 1.0):
        self.f = f
        self.beta = float(beta)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        y = self.f(x)
        if y.shape != x.shape:
            raise ValueError(
                f"the residual branch maps {x.shape} to {y.shape}; they must match"
            )
        return x + self.beta * y
