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

__all__ = ["LooksLinearMLP", "MLP", "NORMALIZATIONS", "ResNet", "ResidualMLP"]

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


def _norm(normalization: str | None, features: int, momentum: float, rngs: nnx.Rngs):
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization={normalization!r}; allowed: {NORMALIZATIONS}")
    if normalization == "batch":
        return nnx.BatchNorm(features, momentum=momentum, rngs=rngs)
    return _identity


def _identity(h: jnp.ndarray) -> jnp.ndarray:
    return h


class ResidualMLP(nnx.Module):
    r"""A residual MLP: ``depth`` pre-activation blocks ``h + beta * W phi(norm(h))``.

    A linear stem maps the flattened input to ``width`` units; each block adds
    ``beta`` times its branch ``Dense(act(norm(h)))`` (a
    :class:`normlab.nn.residual.ResidualBlock`); the head is
    ``Dense(act(norm(h)))``. ``beta`` below 1 is Balduzzi et al.'s rescaled
    resnet, whose gradients shatter more slowly.

    .. math:: h_0 = W_0 x,\quad h_l = h_{l-1} + \beta\, W_l\,
              \phi(\mathrm{norm}(h_{l-1})),\quad \text{out} = W_{L+1}\,\phi(\mathrm{norm}(h_L))

    Args:
        in_features: size of the flattened input.
        out_features: number of outputs.
        depth: number of residual blocks.
        width: units of the residual stream.
        beta: scale of every residual branch.
        activation: name or callable.
        normalization: ``None`` or ``"batch"`` (in every branch and the head).
        kernel_init: name or initializer for every kernel (He normal).
        bias_init: initializer for every bias (zeros).
        momentum: batch-norm running-average momentum.
        rngs: ``nnx.Rngs`` with a ``params`` stream.

    Example:
        >>> import jax.numpy as jnp
        >>> net = ResidualMLP(784, 10, depth=3, width=16, beta=0.5, rngs=nnx.Rngs(0))
        >>> net(jnp.zeros((4, 28, 28, 1))).shape
        (4, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        depth: int,
        width: int,
        beta: float = 1.0,
        activation: str | Callable = "relu",
        normalization: str | None = "batch",
        kernel_init: str | Callable = "he_normal",
        bias_init: Callable = nnx.initializers.zeros_init(),
        momentum: float = 0.99,
        rngs: nnx.Rngs,
    ):
        from normlab.nn.residual import ResidualBlock

        if depth < 0 or width < 1:
            raise ValueError(f"depth={depth} must be >= 0 and width={width} >= 1")
        act = activations.get(activation)
        init = initializers.get(kernel_init)

        def dense(a, b):
            return nnx.Linear(a, b, kernel_init=init, bias_init=bias_init, rngs=rngs)

        self.stem = dense(in_features, width)
        self.blocks = nnx.List([
            ResidualBlock(_PreActivation(_norm(normalization, width, momentum, rngs), act,
                                         dense(width, width)), beta=beta)
            for _ in range(depth)
        ])
        self.head = _PreActivation(_norm(normalization, width, momentum, rngs), act,
                                   dense(width, out_features))

    def features(self, x: jnp.ndarray) -> list[jnp.ndarray]:
        """The residual stream after the stem and after every block, in order."""
        h = self.stem(x.reshape(x.shape[0], -1))
        out = [h]
        for block in self.blocks:
            h = block(h)
            out.append(h)
        return out

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        return self.head(self.features(x)[-1])


class _PreActivation(nnx.Module):
    """``layer(act(norm(h)))``: a pre-activation residual branch or head."""

    def __init__(self, norm, act: Callable, layer: nnx.Module):
        self.norm, self.act, self.layer = norm, act, layer

    def __call__(self, h: jnp.ndarray) -> jnp.ndarray:
        return self.layer(self.act(self.norm(h)))


class LooksLinearMLP(nnx.Module):
    r"""A deep CReLU MLP without skips, looks-linear initialized: exactly linear at init.

    Layer 1 is ``Dense(in, width)`` with ``first_init``; every later layer
    reads the CReLU of the previous one (``2 * width`` values) through a
    mirrored kernel from :func:`normlab.initializers.looks_linear`, so at
    initialization (with zero biases, and without batch norm or with batch
    norm in eval mode at its initial statistics) the network is the product of
    its linear maps. Training then moves it away from linear. Balduzzi et al.
    train such nets about 200 layers deep without skip connections.

    .. math:: z_1 = W_1 x,\quad z_{l+1} = W_{l+1}^\top \mathrm{crelu}(\mathrm{norm}(z_l)),
              \quad W_{l+1} = [\tilde W_{l+1}; -\tilde W_{l+1}]

    Args:
        in_features: size of the flattened input.
        out_features: number of outputs.
        depth: number of CReLU layers (hidden layers).
        width: units per hidden layer before the CReLU doubles them.
        normalization: ``None`` or ``"batch"`` (before each CReLU).
        first_init: name or initializer of the first kernel (orthogonal).
        base_init: initializer of the halves :math:`\tilde W` (orthogonal).
        bias_init: initializer for every bias (zeros, which keeps it linear).
        momentum: batch-norm running-average momentum.
        rngs: ``nnx.Rngs`` with a ``params`` stream.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> net = LooksLinearMLP(5, 3, depth=4, width=8, rngs=nnx.Rngs(0))
        >>> x = jax.random.normal(jax.random.key(1), (2, 5))
        >>> bool(jnp.allclose(net(2 * x), 2 * net(x), atol=1e-5))  # linear at init
        True

    References:
        Balduzzi et al., "The shattered gradients problem", ICML 2017,
        arXiv:1702.08591, section 5.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        depth: int,
        width: int,
        normalization: str | None = None,
        first_init: str | Callable = "orthogonal",
        base_init: str | Callable = "orthogonal",
        bias_init: Callable = nnx.initializers.zeros_init(),
        momentum: float = 0.99,
        rngs: nnx.Rngs,
    ):
        if depth < 1 or width < 1:
            raise ValueError(f"depth={depth} and width={width} must be >= 1")
        ll = initializers.looks_linear(base_init)
        self.first = nnx.Linear(in_features, width, kernel_init=initializers.get(first_init),
                                bias_init=bias_init, rngs=rngs)
        self.hidden = nnx.List([
            nnx.Linear(2 * width, width, kernel_init=ll, bias_init=bias_init, rngs=rngs)
            for _ in range(depth - 1)
        ])
        self.norms = nnx.List([_norm(normalization, width, momentum, rngs) for _ in range(depth)])
        self.out = nnx.Linear(2 * width, out_features, kernel_init=ll, bias_init=bias_init,
                              rngs=rngs)

    def features(self, x: jnp.ndarray) -> list[jnp.ndarray]:
        """The CReLU activations of every hidden layer, in order."""
        z = self.first(x.reshape(x.shape[0], -1))
        out = []
        for i, norm in enumerate(self.norms):
            h = activations.crelu(norm(z))
            out.append(h)
            if i < len(self.hidden):
                z = self.hidden[i](h)
        return out

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        return self.out(self.features(x)[-1])


class ResNet(nnx.Module):
    r"""A small convolutional resnet: a 3x3 stem, ``depth`` pre-activation blocks, a linear head.

    Every block is ``h + beta * Conv3x3(act(norm(h)))`` at one resolution and
    ``width`` channels (no downsampling), the head global-average-pools
    ``act(norm(h))`` and applies a Dense layer. Small enough for CPU tests; the
    full profiles of the book run it on CIFAR-10 on a GPU.

    Args:
        in_channels: input channels (1 for MNIST, 3 for CIFAR-10).
        out_features: number of classes.
        depth: number of residual blocks.
        width: channels of the residual stream.
        beta: scale of every residual branch.
        activation: name or callable.
        normalization: ``None`` or ``"batch"``.
        kernel_init: name or initializer for every kernel (He normal).
        momentum: batch-norm running-average momentum.
        rngs: ``nnx.Rngs`` with a ``params`` stream.

    Example:
        >>> import jax.numpy as jnp
        >>> net = ResNet(1, 10, depth=2, width=4, rngs=nnx.Rngs(0))
        >>> net(jnp.zeros((2, 8, 8, 1))).shape
        (2, 10)
    """

    def __init__(
        self,
        in_channels: int,
        out_features: int,
        *,
        depth: int,
        width: int,
        beta: float = 1.0,
        activation: str | Callable = "relu",
        normalization: str | None = "batch",
        kernel_init: str | Callable = "he_normal",
        momentum: float = 0.99,
        rngs: nnx.Rngs,
    ):
        from normlab.nn.residual import ResidualBlock

        if depth < 0 or width < 1:
            raise ValueError(f"depth={depth} must be >= 0 and width={width} >= 1")
        act = activations.get(activation)
        init = initializers.get(kernel_init)

        def conv(a, b):
            return nnx.Conv(a, b, (3, 3), padding="SAME", kernel_init=init, rngs=rngs)

        self.stem = conv(in_channels, width)
        self.blocks = nnx.List([
            ResidualBlock(_PreActivation(_norm(normalization, width, momentum, rngs), act,
                                         conv(width, width)), beta=beta)
            for _ in range(depth)
        ])
        self.norm = _norm(normalization, width, momentum, rngs)
        self.act = act
        self.out = nnx.Linear(width, out_features, kernel_init=init, rngs=rngs)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        h = self.stem(x)
        for block in self.blocks:
            h = block(h)
        return self.out(self.act(self.norm(h)).mean(axis=(1, 2)))
