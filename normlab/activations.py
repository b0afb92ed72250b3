"""Activation functions by name, for the model factories.

Example:
    >>> import jax.numpy as jnp
    >>> get("relu")(jnp.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable

import jax

__all__ = ["get"]

_BY_NAME: dict[str, Callable] = {
    "relu": jax.nn.relu,
    "elu": jax.nn.elu,
    "selu": jax.nn.selu,
    "tanh": jax.numpy.tanh,
    "identity": lambda x: x,
}


def get(activation: str | Callable) -> Callable:
    """Return ``activation`` itself if callable, else the function of that name."""
    if callable(activation):
        return activation
    try:
        return _BY_NAME[activation]
    except KeyError:
        raise ValueError(
            f"unknown activation={activation!r}; allowed: {', '.join(sorted(_BY_NAME))} "
            "or a callable"
        ) from None
