"""Model factories built from Flax NNX layers and ``normlab.nn``.

Every factory takes its sizes first, hyperparameters as keyword arguments
with the papers' defaults, and ``rngs`` last. Activations and initializers
are given by name (see :mod:`normlab.activations`,
:mod:`normlab.initializers`) or as callables.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from flax import nnx

from normlab import activations, initializers
from normlab.nn import MeanOnlyBatchNorm, WeightNorm, conv_general_dilated

__all__ = [
    "MLP",
    "NORMALIZATIONS",
    "PARAMETERIZATIONS",
    "ConvNet",
    "ConvPoolCNNC",
    "LooksLinearMLP",
    "ResNet",
    "ResidualMLP",
]

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
        parameterization: one of :data:`PARAMETERIZATIONS` (weight
            normalization paper): ``"weight_norm"`` wraps every layer in
            :class:`~normlab.nn.WeightNorm`, ``"batch_norm"`` means
            ``normalization="batch"``, ``"weight_norm_mean_only"`` adds a
            :class:`~normlab.nn.MeanOnlyBatchNorm` (which holds the bias),
            ``"mean_only_batch_norm"`` the mean-only norm without weight norm.
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
        parameterization: str = "normal",
        rngs: nnx.Rngs,
    ):
        if depth < 0 or width < 1:
            raise ValueError(f"depth={depth} must be >= 0 and width={width} >= 1")
        normalization = _check_parameterization(parameterization, normalization)
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
        # a bias right before batch norm is cancelled by its mean subtraction: leave it out
        # (mean-only batch norm holds the bias itself)
        mean_only = parameterization in _MEAN_ONLY
        use_bias = (normalization is None or norm_after_activation) and not mean_only
        self.hidden = nnx.List(
            [
                nnx.Linear(
                    a,
                    b,
                    kernel_init=init,
                    bias_init=bias_init,
                    use_bias=use_bias,
                    rngs=rngs,
                )
                for a, b in zip(sizes[:-1], sizes[1:])
            ]
        )
        self.norms = nnx.List(
            [
                nnx.BatchNorm(width, momentum=momentum, rngs=rngs)
                for _ in range(depth if normalization == "batch" else 0)
            ]
        )
        self.dropout = (
            _dropout(dropout, dropout_rate, rngs) if dropout_rate > 0 else None
        )
        self.out = nnx.Linear(
            sizes[-1], out_features, kernel_init=init, bias_init=bias_init, rngs=rngs
        )
        if parameterization.startswith("weight_norm"):
            self.hidden = nnx.List([WeightNorm(layer) for layer in self.hidden])
            self.out = WeightNorm(self.out)
        if mean_only:
            self.norms = nnx.List(
                [MeanOnlyBatchNorm(width, rngs=rngs) for _ in sizes[1:]]
            )

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
    raise ValueError(
        f"unknown dropout={kind!r}; allowed: 'standard', 'alpha' or a callable"
    )


def _norm(normalization: str | None, features: int, momentum: float, rngs: nnx.Rngs):
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"unknown normalization={normalization!r}; allowed: {NORMALIZATIONS}"
        )
    if normalization == "batch":
        return nnx.BatchNorm(features, momentum=momentum, rngs=rngs)
    return _identity


def _identity(h: jnp.ndarray) -> jnp.ndarray:
    return h


class ResidualMLP(nnx.Module):
    r"""A residual MLP: ``depth`` pre-activation blocks ``h + beta * W phi(norm(h))``.

    A linear stem maps the flattened input to ``width`` units; each block adds
    ``beta`` times its branch ``Dense(act(norm(h)))`` (a
    :class:`normlab.nn.residual.ResidualBlock`). The head is
    ``Dense(act(norm(h)))`` (``head="preactivation"``, He et al.'s pre-activation
    resnet for training) or ``Dense(h)`` (``head="linear"``, the residual stream
    read out linearly as in Balduzzi et al.'s analysis). ``beta`` below 1 is
    Balduzzi et al.'s rescaled resnet, whose gradients shatter more slowly.

    .. math:: h_0 = W_0 x,\quad h_l = h_{l-1} + \beta\, W_l\,
              \phi(\mathrm{norm}(h_{l-1})),\quad \text{out} = W_{L+1}\,\phi(\mathrm{norm}(h_L))
              \ \text{or}\ W_{L+1} h_L

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
        head: ``"preactivation"`` or ``"linear"`` (see above).
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
        head: str = "preactivation",
        rngs: nnx.Rngs,
    ):
        from normlab.nn.residual import ResidualBlock

        if depth < 0 or width < 1:
            raise ValueError(f"depth={depth} must be >= 0 and width={width} >= 1")
        if head not in ("preactivation", "linear"):
            raise ValueError(
                f"unknown head={head!r}; allowed: 'preactivation', 'linear'"
            )
        act = activations.get(activation)
        init = initializers.get(kernel_init)

        def dense(a, b):
            return nnx.Linear(a, b, kernel_init=init, bias_init=bias_init, rngs=rngs)

        self.stem = dense(in_features, width)
        self.blocks = nnx.List(
            [
                ResidualBlock(
                    _PreActivation(
                        _norm(normalization, width, momentum, rngs),
                        act,
                        dense(width, width),
                    ),
                    beta=beta,
                )
                for _ in range(depth)
            ]
        )
        if head == "linear":
            self.head = dense(width, out_features)
        else:
            self.head = _PreActivation(
                _norm(normalization, width, momentum, rngs),
                act,
                dense(width, out_features),
            )

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
    its linear maps, whatever :math:`\tilde W`; orthogonal halves make that
    product an isometry (norms are kept layer by layer). Training then moves it
    away from linear. Balduzzi et al. train such nets about 200 layers deep
    without skip connections. A CReLU layer reads ``2 * width`` values, so each
    hidden layer has twice the weights of a ReLU layer of the same width.
    ``mirror=False`` is the control: the same CReLU net with every later kernel
    drawn whole from ``base_init`` (not mirrored), which is not linear at init.

    .. math:: z_1 = W_1 x,\quad z_{l+1} = W_{l+1}^\top \mathrm{crelu}(\mathrm{norm}(z_l)),
              \quad W_{l+1} = [\tilde W_{l+1}; -\tilde W_{l+1}]

    Args:
        in_features: size of the flattened input.
        out_features: number of outputs.
        depth: number of CReLU layers (hidden layers).
        width: units per hidden layer before the CReLU doubles them.
        normalization: ``None`` or ``"batch"`` (before each CReLU).
        first_init: name or initializer of the first kernel (orthogonal).
        base_init: initializer of the halves :math:`\tilde W` (orthogonal), or of
            the whole kernels with ``mirror=False``.
        bias_init: initializer for every bias (zeros, which keeps it linear).
        mirror: mirrored (looks-linear) kernels; ``False`` for the control.
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
        mirror: bool = True,
        rngs: nnx.Rngs,
    ):
        if depth < 1 or width < 1:
            raise ValueError(f"depth={depth} and width={width} must be >= 1")
        ll = (
            initializers.looks_linear(base_init)
            if mirror
            else initializers.get(base_init)
        )
        self.first = nnx.Linear(
            in_features,
            width,
            kernel_init=initializers.get(first_init),
            bias_init=bias_init,
            rngs=rngs,
        )
        self.hidden = nnx.List(
            [
                nnx.Linear(
                    2 * width, width, kernel_init=ll, bias_init=bias_init, rngs=rngs
                )
                for _ in range(depth - 1)
            ]
        )
        self.norms = nnx.List(
            [_norm(normalization, width, momentum, rngs) for _ in range(depth)]
        )
        self.out = nnx.Linear(
            2 * width, out_features, kernel_init=ll, bias_init=bias_init, rngs=rngs
        )

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


def _conv3x3(a: int, b: int, init: Callable, rngs: nnx.Rngs) -> nnx.Conv:
    """A 3x3 'SAME' convolution from ``a`` to ``b`` channels (fast weight gradients on CPU)."""
    return nnx.Conv(
        a,
        b,
        (3, 3),
        padding="SAME",
        kernel_init=init,
        conv_general_dilated=conv_general_dilated,
        rngs=rngs,
    )


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
            return _conv3x3(a, b, init, rngs)

        self.stem = conv(in_channels, width)
        self.blocks = nnx.List(
            [
                ResidualBlock(
                    _PreActivation(
                        _norm(normalization, width, momentum, rngs),
                        act,
                        conv(width, width),
                    ),
                    beta=beta,
                )
                for _ in range(depth)
            ]
        )
        self.norm = _norm(normalization, width, momentum, rngs)
        self.act = act
        self.out = nnx.Linear(width, out_features, kernel_init=init, rngs=rngs)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        h = self.stem(x)
        for block in self.blocks:
            h = block(h)
        return self.out(self.act(self.norm(h)).mean(axis=(1, 2)))


class ConvNet(nnx.Module):
    r"""A plain CNN without skips: ``depth`` 3x3 convolutions, two 2x2 max-pools, a linear head.

    Layer :math:`l` is :math:`h_l = \phi(\mathrm{norm}(\mathrm{conv}_l(h_{l-1})))`
    with ``width`` channels; a 2x2 max-pool follows layer ``depth // 2`` and the
    last layer, then a global average pool and a Dense layer. With SELU and
    LeCun-normal kernels it is a self-normalizing CNN, with ReLU and
    ``normalization="batch"`` the usual batch-normalized one.

    Args:
        in_channels: input channels (1 for MNIST, 3 for CIFAR-10).
        out_features: number of classes.
        depth: number of convolutions (at least 2).
        width: channels of every convolution.
        activation: name or callable.
        normalization: ``None`` or ``"batch"`` (after every convolution).
        kernel_init: name or initializer for every kernel (He normal).
        momentum: batch-norm running-average momentum.
        rngs: ``nnx.Rngs`` with a ``params`` stream.

    Example:
        >>> import jax.numpy as jnp
        >>> net = ConvNet(1, 10, depth=2, width=4, activation="selu",
        ...               kernel_init="lecun_normal", rngs=nnx.Rngs(0))
        >>> net(jnp.zeros((2, 28, 28, 1))).shape
        (2, 10)
    """

    def __init__(
        self,
        in_channels: int,
        out_features: int,
        *,
        depth: int,
        width: int,
        activation: str | Callable = "relu",
        normalization: str | None = None,
        kernel_init: str | Callable = "he_normal",
        momentum: float = 0.99,
        rngs: nnx.Rngs,
    ):
        if depth < 2 or width < 1:
            raise ValueError(f"depth={depth} must be >= 2 and width={width} >= 1")
        init = initializers.get(kernel_init)
        self.act = activations.get(activation)
        self.convs = nnx.List(
            [
                _conv3x3(in_channels if i == 0 else width, width, init, rngs)
                for i in range(depth)
            ]
        )
        self.norms = nnx.List(
            [_norm(normalization, width, momentum, rngs) for _ in range(depth)]
        )
        self.pool_after = {depth // 2 - 1, depth - 1}
        self.out = nnx.Linear(width, out_features, kernel_init=init, rngs=rngs)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        h = x
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            h = self.act(norm(conv(h)))
            if i in self.pool_after:
                h = nnx.max_pool(h, (2, 2), strides=(2, 2))
        return self.out(h.mean(axis=(1, 2)))


# --- the weight-normalization paper's parameterizations and CIFAR-10 network ----------------

PARAMETERIZATIONS = (
    "normal",
    "weight_norm",
    "batch_norm",
    "mean_only_batch_norm",
    "weight_norm_mean_only",
)
_MEAN_ONLY = ("mean_only_batch_norm", "weight_norm_mean_only")


def _check_parameterization(
    parameterization: str, normalization: str | None
) -> str | None:
    """Validate ``parameterization``; return the ``normalization`` it implies."""
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(
            f"unknown parameterization={parameterization!r}; allowed: {PARAMETERIZATIONS}"
        )
    if parameterization == "normal":
        return normalization
    if normalization is not None:
        raise ValueError(
            f"parameterization={parameterization!r} sets the normalization itself; "
            f"got normalization={normalization!r} too"
        )
    return "batch" if parameterization == "batch_norm" else None


class _GaussianNoise(nnx.Module):
    """Add N(0, stddev^2) noise in train mode (``deterministic=False``), nothing in eval mode."""

    def __init__(self, stddev: float, *, rngs: nnx.Rngs):
        self.stddev = stddev
        self.deterministic = False
        self.rngs = rngs["dropout"].fork()

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        if self.deterministic or self.stddev == 0:
            return x
        return x + self.stddev * jax.random.normal(self.rngs(), x.shape, x.dtype)


class ConvPoolCNNC(nnx.Module):
    r"""The weight-normalization paper's CIFAR-10 network, a modified ConvPool-CNN-C.

    Gaussian input noise, then ``3 x conv3x3(96) -> maxpool 2 -> dropout,
    3 x conv3x3(192) -> maxpool 2 -> dropout, conv3x3(192, valid),
    2 x conv1x1(192) -> global average pool -> dense(10)``, every convolution
    followed by [norm and] leaky ReLU (slope 0.1), and the final dense layer
    normalized like the convolutions, as in the authors' ``train.py``.
    ``width`` multiplies the channel counts (96 and 192), so ``width=0.25``
    is a CPU-sized version.

    The five parameterizations of the paper's section 5.1
    (:data:`PARAMETERIZATIONS`):

    - ``"normal"``: plain ``nnx.Conv`` / ``nnx.Linear`` (the paper's code
      gives these a data-dependent init too, :func:`normlab.init.data_dependent_init`);
    - ``"weight_norm"``: every layer wrapped in :class:`~normlab.nn.WeightNorm`;
    - ``"batch_norm"``: ``conv -> nnx.BatchNorm -> leaky ReLU`` (no bias, BN epsilon 1e-6
      as in the authors' ``nn.py``);
    - ``"mean_only_batch_norm"``: ``conv -> MeanOnlyBatchNorm -> leaky ReLU``;
    - ``"weight_norm_mean_only"``: ``WeightNorm(conv) -> MeanOnlyBatchNorm -> leaky ReLU``
      (the norm holds the bias; the authors' ``norm_type="mean_only_bn"``).

    .. math:: h = \mathrm{lrelu}_{0.1}(\mathrm{norm}(w * x + b))

    Args:
        num_classes: outputs of the final dense layer.
        width: channel multiplier (1.0 is the paper's 96/192).
        parameterization: one of :data:`PARAMETERIZATIONS`.
        in_features: input channels (3 for CIFAR-10).
        noise_stddev: input Gaussian noise in train mode (0.15 in the paper).
        dropout_rate: dropout after each pooling (0.5).
        negative_slope: slope of the leaky ReLU (0.1).
        kernel_init: initializer of every kernel; the paper's code draws
            ``v`` from N(0, 0.05^2).
        momentum: running-average momentum of the batch norms (0.9).
        rngs: ``nnx.Rngs`` with ``params`` and ``dropout`` streams (one key works).

    Example:
        >>> import jax.numpy as jnp
        >>> net = ConvPoolCNNC(
        ...     10, width=0.1, parameterization="weight_norm", rngs=nnx.Rngs(0)
        ... )
        >>> net(jnp.zeros((2, 32, 32, 3))).shape
        (2, 10)

    References:
        T. Salimans and D. P. Kingma, "Weight Normalization", NeurIPS 2016,
        arXiv:1602.07868, section 5.1; J. T. Springenberg et al., "Striving
        for Simplicity: The All Convolutional Net", 2015 (ConvPool-CNN-C).
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        width: float = 1.0,
        parameterization: str = "normal",
        in_features: int = 3,
        noise_stddev: float = 0.15,
        dropout_rate: float = 0.5,
        negative_slope: float = 0.1,
        kernel_init: Callable = nnx.initializers.normal(0.05),
        momentum: float = 0.9,
        rngs: nnx.Rngs,
    ):
        _check_parameterization(parameterization, None)
        if width <= 0:
            raise ValueError(f"width={width} must be > 0")
        c1, c2 = max(1, round(96 * width)), max(1, round(192 * width))
        # (out channels, kernel size, padding, max-pool + dropout after it)
        plan = [(c1, 3, "SAME", False)] * 2 + [(c1, 3, "SAME", True)]
        plan += [(c2, 3, "SAME", False)] * 2 + [(c2, 3, "SAME", True)]
        plan += [
            (c2, 3, "VALID", False),
            (c2, 1, "SAME", False),
            (c2, 1, "SAME", False),
        ]
        self.parameterization = parameterization
        self.negative_slope = negative_slope
        self.noise = _GaussianNoise(noise_stddev, rngs=rngs)
        normed = parameterization == "batch_norm" or parameterization in _MEAN_ONLY
        wn = parameterization.startswith("weight_norm")

        def norm(features):
            if parameterization == "batch_norm":
                return nnx.BatchNorm(
                    features, momentum=momentum, epsilon=1e-6, rngs=rngs
                )
            return MeanOnlyBatchNorm(features, momentum=momentum, rngs=rngs)

        convs, norms, pool_after = [], [], []
        c_in = in_features
        for c_out, k, pad, pool in plan:
            conv = nnx.Conv(
                c_in,
                c_out,
                (k, k),
                padding=pad,
                use_bias=not normed,
                kernel_init=kernel_init,
                conv_general_dilated=conv_general_dilated,
                rngs=rngs,
            )
            convs.append(WeightNorm(conv) if wn else conv)
            if normed:
                norms.append(norm(c_out))
            pool_after.append(pool)
            c_in = c_out
        self.convs = nnx.List(convs)
        self.pool_after = tuple(pool_after)
        self.norms = nnx.List(norms)
        self.dropout = nnx.Dropout(dropout_rate, rngs=rngs)
        dense = nnx.Linear(
            c_in, num_classes, kernel_init=kernel_init, use_bias=not normed, rngs=rngs
        )
        self.out = WeightNorm(dense) if wn else dense
        self.out_norm = norm(num_classes) if normed else None

    def features(self, x: jnp.ndarray) -> jnp.ndarray:
        """The globally average-pooled features before the final dense layer."""
        h = self.noise(x)
        for i, conv in enumerate(self.convs):
            h = conv(h)
            if self.norms:
                h = self.norms[i](h)
            h = jax.nn.leaky_relu(h, self.negative_slope)
            if self.pool_after[i]:
                h = nnx.max_pool(h, (2, 2), strides=(2, 2))
                h = self.dropout(h)
        return h.mean(axis=(1, 2))

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        logits = self.out(self.features(x))
        return logits if self.out_norm is None else self.out_norm(logits)
