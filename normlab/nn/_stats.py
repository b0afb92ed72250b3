"""Statistics shared by normlab's normalization layers and initialisation passes.

Private: :class:`~normlab.nn.MeanOnlyBatchNorm` and
:func:`normlab.init.data_dependent_init` both reduce over every axis but the
feature axis and keep the result in at least float32, so they agree to the
last bit on what "the batch mean of a unit" is.
"""

from __future__ import annotations

import jax.numpy as jnp


def stat_dtype(x: jnp.ndarray) -> jnp.dtype:
    """The dtype statistics of ``x`` are computed in: at least float32."""
    return jnp.promote_types(x.dtype, jnp.float32)


def reduction_axes(ndim: int, feature_axis: int = -1) -> tuple[int, ...]:
    """Every axis of an ``ndim``-array but ``feature_axis``."""
    feature_axis = feature_axis % ndim
    return tuple(i for i in range(ndim) if i != feature_axis)


def mean(x: jnp.ndarray, feature_axis: int = -1) -> jnp.ndarray:
    """Per-feature mean over every other axis, in at least float32."""
    return jnp.mean(x.astype(stat_dtype(x)), axis=reduction_axes(x.ndim, feature_axis))


def mean_std(x: jnp.ndarray, feature_axis: int = -1) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Per-feature mean and (population, ``ddof=0``) standard deviation.

    Two passes (mean first, then the mean square of the centred values), so
    the variance of values far from zero does not cancel.
    """
    axes = reduction_axes(x.ndim, feature_axis)
    x = x.astype(stat_dtype(x))
    mu = jnp.mean(x, axis=axes)
    centred = x - jnp.expand_dims(mu, axes)
    return mu, jnp.sqrt(jnp.mean(centred * centred, axis=axes))


def ema(running: jnp.ndarray, batch: jnp.ndarray, momentum: float) -> jnp.ndarray:
    """Flax's running-average update: ``momentum * running + (1 - momentum) * batch``."""
    return momentum * running + (1.0 - momentum) * batch
