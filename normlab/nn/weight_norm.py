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
    kernel axis but ``feature_axes`` (by default the last, the output axis), so
    each output unit, or each output channel of a convolution, has its own
    length. Gradient descent on
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
    change its function. The paper's own start, ``g = 1/std`` of the
    pre-activations, is the explicit pass :func:`normlab.init.data_dependent_init`.

    How it differs from Flax's ``nnx.WeightNorm`` (same ``feature_axes`` and
    ``epsilon`` meaning: the norm runs over every axis not in ``feature_axes``,
    ``epsilon`` is added under the square root):

    - the scale ``g`` starts at ``||v||`` rather than 1, so wrapping a trained
      or specially initialised layer keeps its function (``g_init="ones"``
      gives Flax's start);
    - ``v`` is never overwritten: Flax writes the normalised kernel back into
      the wrapped layer on every call, here the wrapped layer keeps ``v`` and a
      copy runs with ``w``, so ``layer.kernel`` stays the paper's ``v`` (whose
      norm gradient descent grows, as the paper analyses) and the layer works
      inside ``jit``/``vmap``/``scan`` without mutation;
    - only the ``kernel`` is reparameterised (no ``variable_filter``).

    Args:
        layer: an ``nnx.Linear`` or ``nnx.Conv`` (any module whose output is
            linear in a ``kernel`` parameter).
        feature_axes: the kernel axes that keep one length each (default -1,
            the output axis; ``None``: one length for the whole kernel).
        g_init: ``"norm"`` (``g = ||v||``, the wrapped function unchanged) or
            ``"ones"`` (unit-norm rows, as Flax's ``nnx.WeightNorm``).
        epsilon: added under the square root of ``||v||^2`` (>= 0; default
            1e-12 as in Flax), so a zero column gives 0, not NaN.

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

        On a convolution, one length per output channel:

        >>> conv = WeightNorm(nnx.Conv(3, 8, (3, 3), rngs=nnx.Rngs(0)))
        >>> conv.g.shape, conv(jnp.ones((1, 5, 5, 3))).shape
        ((8,), (1, 5, 5, 8))

        Inside a model, trained like any other layer:

        >>> class Net(nnx.Module):
        ...     def __init__(self, rngs):
        ...         self.conv = WeightNorm(nnx.Conv(1, 4, (3, 3), rngs=rngs))
        ...         self.out = WeightNorm(nnx.Linear(4, 10, rngs=rngs))
        ...     def __call__(self, x):
        ...         return self.out(nnx.relu(self.conv(x)).mean((1, 2)))
        >>> Net(nnx.Rngs(0))(jnp.ones((2, 8, 8, 1))).shape
        (2, 10)

    References:
        T. Salimans and D. P. Kingma, "Weight Normalization: A Simple
        Reparameterization to Accelerate Training of Deep Neural Networks",
        NeurIPS 2016, arXiv:1602.07868.
    """

    def __init__(
        self,
        layer: nnx.Module,
        *,
        feature_axes: int | tuple[int, ...] | None = -1,
        g_init: str = "norm",
        epsilon: float = 1e-12,
    ):
        kernel = getattr(layer, "kernel", None)
        if not isinstance(kernel, nnx.Param):
            raise TypeError(
                f"WeightNorm wraps a layer with a `kernel` parameter (nnx.Linear, nnx.Conv); "
                f"got {type(layer).__name__}"
            )
        if g_init not in ("norm", "ones"):
            raise ValueError(f"unknown g_init={g_init!r}; allowed: 'norm', 'ones'")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)):
            raise TypeError(f"epsilon={epsilon!r} must be a float >= 0")
        if not 0.0 <= epsilon < float("inf"):
            raise ValueError(f"epsilon={epsilon} must be finite and >= 0")
        ndim = kernel[...].ndim
        axes = () if feature_axes is None else feature_axes
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        if any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
            raise TypeError(
                f"feature_axes={feature_axes!r} must be an int, ints or None"
            )
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(
                f"feature_axes={feature_axes!r} out of range for a {ndim}-d kernel "
                f"of shape {kernel[...].shape}"
            )
        canonical = tuple(sorted({a % ndim for a in axes}))
        if len(canonical) != len(axes):
            raise ValueError(f"feature_axes={feature_axes!r} repeats an axis")
        self.layer = layer
        self.feature_axes = canonical
        self.epsilon = float(epsilon)
        norm = self.v_norm()
        self.g = nnx.Param(norm if g_init == "norm" else jnp.ones_like(norm))

    @property
    def v(self) -> jnp.ndarray:
        """The direction parameter (the wrapped layer's kernel)."""
        return self.layer.kernel[...]

    def _reduction_axes(self, ndim: int) -> tuple[int, ...]:
        return tuple(i for i in range(ndim) if i not in self.feature_axes)

    def v_norm(self) -> jnp.ndarray:
        """``||v||`` per feature: the norm over every kernel axis not in ``feature_axes``."""
        v = self.v
        return jnp.sqrt(
            jnp.sum(v * v, axis=self._reduction_axes(v.ndim)) + self.epsilon
        )

    @property
    def kernel(self) -> jnp.ndarray:
        """The effective kernel ``w = g v / ||v||`` (same shape as ``v``)."""
        v = self.v
        scale = jnp.expand_dims(
            self.g[...] / self.v_norm(), self._reduction_axes(v.ndim)
        )
        return v * scale

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
