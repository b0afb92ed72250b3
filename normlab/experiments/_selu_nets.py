"""SELU networks built for a chosen fixed point, and their activation moments layer by layer.

Shared by the alpha-dropout and fixed-point experiments: the activation and
the alpha dropout for a target (mean, variance), both from one
:func:`normlab.activations.selu_for`, kernels with exactly the
weight statistics the moment map assumes, and the per-layer moments of a
network's hidden activations.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from normlab.activations import selu_for
from normlab.models import MLP

# the (omega, tau) of the moment map that each convention of selu_parameters assumes
WEIGHT_STATS = {"notebook": (1.0, 1.0), "normalized_weights": (0.0, 1.0)}


def exact_kernel_init(omega: float = 0.0, tau: float = 1.0) -> Callable:
    r"""Kernels with exact column sums :math:`\omega` and squared sums :math:`\tau`.

    A Gaussian column is centred, scaled to squared norm
    :math:`\tau - \omega^2 / n` and shifted by :math:`\omega / n`: the
    weight statistics of the moment map hold exactly for every unit, not
    only on average as with :math:`\mathcal{N}(0, 1/n)` (whose per-unit
    :math:`\omega` is itself :math:`\mathcal{N}(0, 1)`).
    """

    def init(key, shape, dtype=jnp.float32):
        n = shape[-2]
        if tau - omega**2 / n <= 0:
            raise ValueError(
                f"tau={tau} must exceed omega^2/n = {omega**2 / n} (n={n})"
            )
        w = jax.random.normal(key, shape, jnp.float32)
        w = w - w.mean(axis=-2, keepdims=True)
        w = (
            w
            / jnp.linalg.norm(w, axis=-2, keepdims=True)
            * jnp.sqrt(tau - omega**2 / n)
        )
        return (w + omega / n).astype(dtype)

    return init


def snn(
    in_features: int,
    out_features: int,
    *,
    depth: int,
    width: int,
    mean: float = 0.0,
    var: float = 1.0,
    convention: str = "notebook",
    init: str = "exact",
    dropout: str = "alpha",
    dropout_rate: float = 0.0,
    rngs: nnx.Rngs,
) -> MLP:
    """A self-normalizing MLP for the fixed point (``mean``, ``var``).

    SELU with the fixed point's (alpha, lambda); kernels ``"exact"``
    (:func:`exact_kernel_init` at the convention's omega, tau) or
    ``"lecun"`` (untruncated N(0, 1/n)); dropout ``"alpha"`` (at the same
    fixed point) or ``"standard"``.
    """
    kernel = (
        exact_kernel_init(*WEIGHT_STATS[convention])
        if init == "exact"
        else "lecun_normal_untruncated"
    )
    act = selu_for(mean, var, convention)
    drop = act.alpha_dropout if dropout == "alpha" else dropout
    return MLP(
        in_features,
        out_features,
        depth=depth,
        width=width,
        activation=act,
        kernel_init=kernel,
        dropout_rate=dropout_rate,
        dropout=drop,
        rngs=rngs,
    )


def layer_moments(model: MLP, x: jax.Array) -> np.ndarray:
    """Mean and variance over units and examples of every hidden layer: shape (depth, 2)."""
    feats = model.features(
        x
    )  # eager: compiling a deep unrolled net costs more than it saves
    return np.asarray(
        jnp.stack([jnp.stack([h.mean(), h.var()]) for h in feats]), np.float64
    )
