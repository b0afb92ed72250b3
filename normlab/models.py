"""Model factories built from Flax NNX layers and ``normlab.nn``.

Every factory takes its sizes first, hyperparameters as keyword arguments
with the papers' defaults, and ``rngs`` last. Activations and initializers
are given by name (see :mod:`normlab.activations`,
:mod:`normlab.initializers`) or as callables.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
from flax import nnx

from normlab import activations, initializers

__all__ = ["MLP", "NORMALIZATIONS"]

NORMALIZATIONS = (None, "batch")


class MLP(nnx.Module):
    r"""A multilayer perceptron: ``depth`` hidden layers of ``width`` units.

    Each hidden layer is ``Dense -> [norm] -> activation [-> dropout]``, or
    ``Dense -> activation -> norm`` with ``norm_after_activation=True`` (the
    SNN paper's BatchNorm baseline). Inputs are flattened, so images go in as
    they are.

    .. math:: h_{l} = \phi(\mathrm{norm}(W_l h_{l-1} + b_l)),\quad
              \text{logits} = W_{L+1} h_L + b_{L+1}

    Args:
        in_features: size of the flattened input.
        out_features: number of outputs (classes).
        depth: number of hidden layers (0 gives a linear model).
        width: units per hidden layer.
        activation: name or callable (``"relu"``, ``"selu"``, ...).
        normalization: ``None`` or ``"batch"`` (``nnx.BatchNorm``).
        norm_after_activation: place the norm after the activation.
        kernel_init: name or initializer for every kernel.
        bias_init: initializer for every bias (zeros).
        dropout_rate: drop probability after each hidden activation.
        dropout: ``"standard"`` (``nnx.Dropout``), ``"alpha"``
            (:class:`normlab.nn.AlphaDropout` at the SELU fixed point (0, 1)), or a
            callable ``(rate, *, rngs) -> layer``, e.g.
            ``functools.partial(AlphaDropout, mean=0.0, var=4.0)``.
        momentum: batch-norm running-average momentum.
        rngs: ``nnx.Rngs`` with a ``params`` stream (and ``dropout`` if used).

    Example:
        >>> import jax.numpy as jnp
        >>> mlp = MLP(784, 10, depth=2, width=32, rngs=nnx.Rngs(0))
        >>> mlp(jnp.zeros((5, 28, 28, 1))).shape
        (5, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        depth: int,
        width: int,
        activation: str | Callable = "relu",
        normalization: str | None = None,
        norm_after_activation: bool = False,
        kernel_init: str | Callable = "lecun_normal",
        bias_init: Callable = nnx.initializers.zeros_init(),
        dropout_rate: float = 0.0,
        dropout: str | Callable = "standard",
        momentum: float = 0.99,
        rngs: nnx.Rngs,
    ):
        if depth < 0 or width < 1:
            raise ValueError(f"depth={depth} must be >= 0 and width={width} >= 1")
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"unknown normalization={normalization!r}; allowed: {NORMALIZATIONS}"
            )
        if not 0.0 <= dropout_rate < 1.0:
            raise ValueError(f"dropout_rate={dropout_rate} must be in [0, 1)")
        self.activation = activations.get(activation)
        self.norm_after_activation = norm_after_activation
        init = initializers.get(kernel_init)
        sizes = [in_features] + [width] * depth
        self.hidden = nnx.List(
            [
                nnx.Linear(a, b, kernel_init=init, bias_init=bias_init, rngs=rngs)
                for a, b in zip(sizes[:-1], sizes[1:])
            ]
        )
        self.norms = nnx.List(
            [
                nnx.BatchNorm(width, momentum=momentum, rngs=rngs)
                for _ in range(depth if normalization == "batch" else 0)
            ]
        )
        self.dropout = _dropout(dropout, dropout_rate, rngs) if dropout_rate > 0 else None
        self.out = nnx.Linear(sizes[-1], out_features, kernel_init=init, bias_init=bias_init,
                              rngs=rngs)

    def features(self, x: jnp.ndarray) -> list[jnp.ndarray]:
        """The activations of every hidden layer, in order (after any dropout)."""
        h = x.reshape(x.shape[0], -1)
        out = []
        for i, layer in enumerate(self.hidden):
            h = layer(h)
            if self.norms and not self.norm_after_activation:
                h = self.norms[i](h)
            h = self.activation(h)
            if self.norms and self.norm_after_activation:
                h = self.norms[i](h)
            if self.dropout is not None:
                h = self.dropout(h)
            out.append(h)
        return out

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        feats = self.features(x)
        return self.out(feats[-1] if feats else x.reshape(x.shape[0], -1))


def _dropout(kind: str | Callable, rate: float, rngs: nnx.Rngs) -> nnx.Module:
    from normlab.nn.dropout import AlphaDropout

    if callable(kind):
        return kind(rate, rngs=rngs)
    if kind == "standard":
        return nnx.Dropout(rate, rngs=rngs)
    if kind == "alpha":
        return AlphaDropout(rate, rngs=rngs)
    raise ValueError(f"unknown dropout={kind!r}; allowed: 'standard', 'alpha' or a callable")
