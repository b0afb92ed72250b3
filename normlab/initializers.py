"""Kernel initializers by name, for the model factories.

Example:
    >>> import jax
    >>> get("he_normal")(jax.random.key(0), (4, 3)).shape
    (4, 3)
"""

from __future__ import annotations

from collections.abc import Callable

from flax import nnx

__all__ = ["get", "lecun_normal_untruncated"]


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

_BY_NAME: dict[str, Callable] = {
    "lecun_normal": nnx.initializers.lecun_normal(),  # Flax's: truncated, variance 1/n
    "he_normal": nnx.initializers.he_normal(),
    "lecun_normal_untruncated": lecun_normal_untruncated(),  # the SNN authors'
    "he_normal_untruncated": lecun_normal_untruncated(scale=2.0),  # N(0, 2/n)
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
