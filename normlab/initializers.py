"""Kernel initializers by name, for the model factories.

Example:
    >>> import jax
    >>> get("he_normal")(jax.random.key(0), (4, 3)).shape
    (4, 3)
"""

from __future__ import annotations

from collections.abc import Callable

from flax import nnx

__all__ = ["get"]

_BY_NAME: dict[str, Callable] = {
    "lecun_normal": nnx.initializers.lecun_normal(),  # Flax's: truncated, variance 1/n
    "he_normal": nnx.initializers.he_normal(),
    "glorot_uniform": nnx.initializers.glorot_uniform(),
}


def get(init: str | Callable) -> Callable:
    """Return ``init`` itself if callable, else the initializer of that name."""
    if callable(init):
        return init
    try:
        return _BY_NAME[init]
    except KeyError:
        raise ValueError(
            f"unknown kernel_init={init!r}; allowed: {', '.join(sorted(_BY_NAME))} or a callable"
        ) from None
