"""Weight normalization: a layer's kernel written as a direction times a length."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from flax import nnx

__all__ = ["WeightNorm"]


class WeightNorm(nnx.Module):
    r"""Reparameterise a ``nnx.Linear`` or ``nnx.Conv`` as ``w = g v / ||v||`` per output unit.

    The wrapped layer's kernel becomes the direction ``v``; a new parameter
    ``g`` (one entry per output unit) is its length. The norm runs over every
    kernel axis but the last (the output axis), so each output unit, or each
    output channel of a convolution, has its own length. Gradient descent on
    ``(g, v)`` decouples the length of a weight vector from its direction,
    which is what makes the optimisation better conditioned.

    .. math:: w = \frac{g}{\lVert v \rVert} v,\qquad
              \nabla_g L = \nabla_w L \cdot \frac{v}{\lVert v \rVert},\qquad
              \nabla_v L = \frac{g}{\lVert v \rVert} \nabla_w L
                 - \frac{g \nabla_g L}{\lVert v \rVert^2} v

    so :math:`\nabla_v L \perp v` and plain gradient descent can only grow
    :math:`\lVert v \rVert`. The paper's ``g`` and ``v`` are the attributes
    ``g`` and ``layer.kernel``; the effective kernel is :attr:`kernel`.

    ``g`` starts at ``||v||`` (``g_init="norm"``), so wrapping a layer does not
    change its function; Flax's ``nnx.WeightNorm`` starts the scale at 1
    instead. The paper's own start, ``g = 1/std`` of the pre-activations, is
    the explicit pass :func:`normlab.init.data_dependent_init`.

    Args:
        layer: an ``nnx.Linear`` or ``nnx.Conv`` (any module whose output is
            linear in a ``kernel`` parameter with the output axis last).
        g_init: ``"norm"`` (``g = ||v||``, the wrapped function unchanged) or
            ``"ones"`` (unit-norm rows, as Flax's ``nnx.WeightNorm``).
        epsilon: added under the square root of ``||v||^2``, against a zero ``v``.

    Example:
        >>> import jax.numpy as jnp
        >>> dense = nnx.Linear(3, 2, rngs=nnx.Rngs(0))
        >>> x = jnp.ones((4, 3))
        >>> y = dense(x)
        >>> wn = WeightNorm(dense)
        >>> bool(jnp.allclose(wn(x), y, atol=1e-6))
        True
        >>> wn.g.shape
        (2,)

    References:
        T. Salimans and D. P. Kingma, "Weight Normalization: A Simple
        Reparameterization to Accelerate Training of Deep Neural Networks",
        NeurIPS 2016, arXiv:1602.07868.
    """

    def __init__(self, layer: nnx.Module, *, g_init: str = "norm", epsilon: float = 0.0):
        kernel = getattr(layer, "kernel", None)
        if not isinstance(kernel, nnx.Param):
            raise TypeError(
                f"WeightNorm wraps a layer with a `kernel` parameter (nnx.Linear, nnx.Conv); "
                f"got {type(layer).__name__}"
            )
        if g_init not in ("norm", "ones"):
            raise ValueError(f"unknown g_init={g_init!r}; allowed: 'norm', 'ones'")
        self.layer = layer
        self.epsilon = epsilon
        norm = self.v_norm()
        self.g = nnx.Param(norm if g_init == "norm" else jnp.ones_like(norm))

    @property
    def v(self) -> jnp.ndarray:
        """The direction parameter (the wrapped layer's kernel)."""
        return self.layer.kernel[...]

    def v_norm(self) -> jnp.ndarray:
        """``||v||`` per output unit: the norm over every kernel axis but the last."""
        v = self.v
        axes = tuple(range(v.ndim - 1))
        return jnp.sqrt(jnp.sum(v * v, axis=axes) + self.epsilon)

    @property
    def kernel(self) -> jnp.ndarray:
        """The effective kernel ``w = g v / ||v||`` (same shape as ``v``)."""
        return self.v * (self.g[...] / self.v_norm())

    @property
    def bias(self) -> Any:
        """The wrapped layer's bias parameter (``None`` without one)."""
        return getattr(self.layer, "bias", None)

    def __call__(self, x: jnp.ndarray, *args, **kwargs) -> jnp.ndarray:
        # Run a copy of the wrapped layer with w in place of v: the layer's own
        # code (padding, strides, dtype promotion) does the work, gradients
        # reach g and v through w, and nothing is mutated, so this works inside
        # jit, grad, vmap and lax.map/scan bodies alike.
        layer = nnx.clone(self.layer)
        layer.kernel.set_value(self.kernel)
        return layer(x, *args, **kwargs)
