"""Kernel initializers by name, for the model factories.

Example:
    >>> import jax
    >>> get("he_normal")(jax.random.key(0), (4, 3)).shape
    (4, 3)
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
from flax import nnx

__all__ = ["get", "lecun_normal_untruncated", "looks_linear"]


def lecun_normal_untruncated(*, scale: float = 1.0) -> Callable:
    r"""The SNN authors' initializer: kernels drawn from an untruncated :math:`\mathcal{N}(0, s/n)`.

    Klambauer et al.'s code draws every weight of a Dense layer with fan-in
    :math:`n` from a plain normal with variance :math:`1/n`, which makes
    :math:`\omega = \sum_i w_i \approx 0` and :math:`\tau = \sum_i w_i^2 \approx 1`
    (the fixed point of :mod:`normlab.snn`). Flax's ``lecun_normal`` (registered
    here as ``"lecun_normal"``) is instead a normal truncated at two standard
    deviations and rescaled to the same variance: it never draws a weight
    beyond :math:`2.27/\sqrt{n}`, where this one does about 4.6 % of the time.
    ``scale=2`` gives He's :math:`\mathcal{N}(0, 2/n)`, the SNN paper's
    initializer for its ReLU + BatchNorm baseline.

    .. math:: W_{ij} \sim \mathcal{N}(0, s / n_{\text{in}})

    Args:
        scale: the variance times the fan-in, :math:`s` (1 for SELU, 2 for ReLU).

    Returns:
        A Flax initializer ``init(key, shape, dtype)``; the fan-in is ``shape[-2]``.

    Example:
        >>> import jax
        >>> w = lecun_normal_untruncated()(jax.random.key(0), (400, 300))
        >>> round(float(w.var() * 400), 1)
        1.0

    References:
        Klambauer et al., "Self-normalizing neural networks", arXiv:1706.02515.
    """
    return nnx.initializers.variance_scaling(scale, "fan_in", "normal")


def looks_linear(base: str | Callable = "orthogonal") -> Callable:
    r"""Mirrored weights :math:`W = [\tilde W; -\tilde W]` for a layer fed by a CReLU.

    The fan-in axis (``shape[-2]``: a Dense kernel's rows, a convolution
    kernel's input channels) is split in halves that hold :math:`\tilde W`
    and :math:`-\tilde W`. After :func:`normlab.activations.crelu`, which
    puts the positive parts first, the layer computes
    :math:`\tilde W^\top \mathrm{relu}(x) - \tilde W^\top \mathrm{relu}(-x)
    = \tilde W^\top x`: a CReLU network initialized this way (all layers but
    the first) is exactly the product of its linear maps, so its input
    gradient is the same at every input and cannot shatter. Balduzzi et al.
    draw :math:`\tilde W` orthogonal, the default here.

    .. math:: W = \begin{bmatrix} \tilde W \\ -\tilde W \end{bmatrix},
              \qquad W^\top \mathrm{crelu}(x) = \tilde W^\top x

    Args:
        base: initializer (or its name in :func:`get`) for :math:`\tilde W`, called
            with the fan-in halved.

    Returns:
        A Flax initializer ``init(key, shape, dtype)``; ``shape[-2]`` must be even.

    Example:
        >>> import jax
        >>> w = looks_linear()(jax.random.key(0), (6, 4))
        >>> bool((w[:3] == -w[3:]).all())
        True

    References:
        Balduzzi et al., "The shattered gradients problem", ICML 2017,
        arXiv:1702.08591, section 5.
    """

    def init(key, shape, dtype=jnp.float32):
        if len(shape) < 2 or shape[-2] % 2:
            raise ValueError(
                f"looks_linear needs an even fan-in shape[-2]; got shape={shape}"
            )
        half = (*shape[:-2], shape[-2] // 2, shape[-1])
        w = get(base)(key, half, dtype)
        return jnp.concatenate([w, -w], axis=-2)

    return init


_BY_NAME: dict[str, Callable] = {
    "lecun_normal": nnx.initializers.lecun_normal(),  # Flax's: truncated, variance 1/n
    "he_normal": nnx.initializers.he_normal(),
    "lecun_normal_untruncated": lecun_normal_untruncated(),  # the SNN authors'
    "he_normal_untruncated": lecun_normal_untruncated(scale=2.0),  # N(0, 2/n)
    "glorot_uniform": nnx.initializers.glorot_uniform(),
    "orthogonal": nnx.initializers.orthogonal(),
    "looks_linear": looks_linear(),  # orthogonal halves, for CReLU nets
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
