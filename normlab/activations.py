"""Activation functions by name, for the model factories.

Example:
    >>> import jax.numpy as jnp
    >>> get("relu")(jnp.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

__all__ = ["ALPHA", "LAMBDA", "crelu", "elu", "get", "lrelu", "selu", "srelu"]

ALPHA = 1.6732632423543772848170429916717
r"""SELU's :math:`\alpha_{01}` (Klambauer et al. 2017, eq. 14), to full double precision.

.. math:: \alpha_{01} = -\frac{\sqrt{2/\pi}}{\operatorname{erfc}(1/\sqrt{2})\, e^{1/2} - 1}
"""

LAMBDA = 1.0507009873554804934193349852946
r"""SELU's :math:`\lambda_{01}` (Klambauer et al. 2017, eq. 14), to full double precision.

.. math:: \lambda_{01} = \frac{\bigl(1 - \operatorname{erfc}(1/\sqrt{2})\sqrt{e}\bigr)\sqrt{2\pi}}
    {\sqrt{2 \operatorname{erfc}(\sqrt{2}) e^{2} + \pi \operatorname{erfc}(1/\sqrt{2})^{2} e
    - 2(2 + \pi) \operatorname{erfc}(1/\sqrt{2}) \sqrt{e} + \pi + 2}}
"""


def elu(x: jax.Array, alpha: float = 1.0) -> jax.Array:
    r"""Exponential linear unit (Clevert et al. 2015).

    Identity for positive inputs, a saturating exponential for negative ones,
    so mean activations can sit near zero while the gradient stays 1 on the
    positive side. The exponential is taken of ``where(x > 0, 0, x)`` with
    ``expm1``, so large positive inputs cannot overflow it and small negative
    ones keep their precision.

    .. math:: \mathrm{elu}(x) = \begin{cases} x & x > 0 \\
              \alpha (e^{x} - 1) & x \le 0 \end{cases}

    Args:
        x: inputs, any shape.
        alpha: the saturation value :math:`-\alpha` for :math:`x \to -\infty` (paper: 1).

    Returns:
        ``elu(x)``, same shape and dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> elu(jnp.array([-1e4, 0.0, 2.0])).tolist()
        [-1.0, 0.0, 2.0]

    References:
        Clevert, Unterthiner, Hochreiter, "Fast and accurate deep network
        learning by exponential linear units (ELUs)", arXiv:1511.07289.
    """
    x = jnp.asarray(x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0.0, x)))


def selu(x: jax.Array) -> jax.Array:
    r"""Scaled exponential linear unit (Klambauer et al. 2017).

    A scaled ELU whose constants :data:`ALPHA` and :data:`LAMBDA` make mean 0
    and variance 1 the stable fixed point of the layer-to-layer moment map
    (see :mod:`normlab.snn`): for :math:`z \sim \mathcal{N}(0, 1)`,
    :math:`\mathbb{E}[\mathrm{selu}(z)] = 0` and
    :math:`\mathbb{E}[\mathrm{selu}(z)^2] = 1`.

    .. math:: \mathrm{selu}(x) = \lambda_{01} \begin{cases} x & x > 0 \\
              \alpha_{01} (e^{x} - 1) & x \le 0 \end{cases}

    Args:
        x: inputs, any shape.

    Returns:
        ``selu(x)``, same shape and dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> round(float(selu(jnp.array(-1e4))), 6)  # -lambda * alpha
        -1.758099

    References:
        Klambauer, Unterthiner, Mayr, Hochreiter, "Self-normalizing neural
        networks", NeurIPS 2017, arXiv:1706.02515.
    """
    return LAMBDA * elu(x, ALPHA)


def srelu(x: jax.Array) -> jax.Array:
    r"""Shifted ReLU, :math:`\max(-1, x)`: the ELU paper's baseline with negative values.

    Example:
        >>> import jax.numpy as jnp
        >>> srelu(jnp.array([-3.0, -0.5, 2.0])).tolist()
        [-1.0, -0.5, 2.0]
    """
    return jnp.maximum(x, -1.0)


def lrelu(x: jax.Array, negative_slope: float = 0.1) -> jax.Array:
    r"""Leaky ReLU with the ELU paper's slope 0.1: :math:`\max(x, 0.1 x)`.

    Example:
        >>> import jax.numpy as jnp
        >>> lrelu(jnp.array([-2.0, 3.0])).tolist()
        [-0.20000000298023224, 3.0]
    """
    return jnp.where(x > 0, x, negative_slope * x)


def crelu(x: jax.Array, axis: int = -1) -> jax.Array:
    r"""Concatenated ReLU: :math:`[\mathrm{relu}(x), \mathrm{relu}(-x)]`, doubling ``axis``.

    Keeps both signs of every pre-activation, so the next layer can undo the
    rectification: with mirrored weights :math:`W = [\tilde W; -\tilde W]`
    (:func:`normlab.initializers.looks_linear`),
    :math:`W^\top \mathrm{crelu}(x) = \tilde W^\top x` and a CReLU network is
    exactly linear at initialization (Balduzzi et al. 2017, section 5).

    .. math:: \mathrm{crelu}(x) = \bigl[\max(x, 0),\ \max(-x, 0)\bigr]

    Args:
        x: inputs, any shape.
        axis: the axis to concatenate along (features: the last).

    Returns:
        An array with ``x.shape[axis]`` doubled: positive parts first.

    Example:
        >>> import jax.numpy as jnp
        >>> crelu(jnp.array([-1.0, 2.0])).tolist()
        [0.0, 2.0, 1.0, 0.0]

    References:
        Shang et al., "Understanding and improving convolutional neural networks
        via concatenated rectified linear units", ICML 2016; Balduzzi et al.,
        arXiv:1702.08591.
    """
    return jnp.concatenate([jax.nn.relu(x), jax.nn.relu(-x)], axis=axis)


_BY_NAME: dict[str, Callable] = {
    "relu": jax.nn.relu,
    "crelu": crelu,
    "elu": elu,
    "selu": selu,
    "srelu": srelu,
    "lrelu": lrelu,
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
