"""Explicit initialisation passes that need data, run after a model is built.

:func:`data_dependent_init` is the weight-normalization paper's
initialisation: one forward pass over an initialisation batch, layer by
layer, that rescales and shifts every linear layer so its pre-activations
start at mean 0 and variance 1. :func:`preactivation_moments` measures what it
sets. Both work on any NNX model whose layers are
:class:`~normlab.nn.WeightNorm`, ``nnx.Linear`` or ``nnx.Conv``: the pass
taps those layers where they sit, so it follows the model's own forward
code (an MLP, a ConvNet, anything), in the order the layers are called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from normlab.nn import _stats
from normlab.nn.weight_norm import WeightNorm

__all__ = ["data_dependent_init", "preactivation_moments"]

_PLAIN = (nnx.Linear, nnx.Conv)
_MODE_FLAGS = ("deterministic", "use_running_average")


def data_dependent_init(
    model: nnx.Module,
    batch: Any,
    *,
    include_plain: bool = True,
    deterministic: bool = True,
) -> list[str]:
    r"""Rescale every linear layer so its pre-activations on ``batch`` have mean 0, variance 1.

    Runs the model once on ``batch``, without dropout or noise
    (``deterministic=True``) or with them as in training
    (``deterministic=False``, as the weight-normalization authors' init pass
    does), and with batch norms on the batch's statistics, as in training
    (their running statistics are restored afterwards), layer by layer in
    call order: each
    layer's output :math:`y` on the batch gives a per-unit mean
    :math:`\mu` and standard deviation :math:`\sigma`, the layer is rescaled,
    and the next layer sees the already rescaled output. For a
    :class:`~normlab.nn.WeightNorm` layer

    .. math:: g \leftarrow \frac{g}{\sigma},\qquad b \leftarrow \frac{b - \mu}{\sigma}

    which, from ``g = ||v||`` and ``b = 0``, is the paper's
    :math:`g = 1/\sigma(t)`, :math:`b = -\mu(t)/\sigma(t)` with
    :math:`t = v \cdot x / \lVert v \rVert`. A plain ``nnx.Linear`` or
    ``nnx.Conv`` (the paper's "normal parameterisation", which its code also
    initialises this way) gets ``kernel / sigma`` and ``(bias - mu) / sigma``.
    Afterwards every pre-activation has mean 0 and standard deviation 1 (over
    the batch and spatial axes) on ``batch``. A layer without a bias (one
    followed by a normalization) gets only the scale. A unit with
    :math:`\sigma = 0` is left as it is. The train/eval flags are restored
    afterwards.

    Args:
        model: an NNX module; modified in place.
        batch: inputs for ``model(batch)`` (the paper's code uses 500 images).
        include_plain: also initialise ``nnx.Linear`` / ``nnx.Conv`` layers
            that are not wrapped in a :class:`~normlab.nn.WeightNorm`.
        deterministic: run the pass without dropout and noise (``True``) or
            with them (``False``: the model's dropout and noise draw from its
            ``Rngs``, which advance).

    Returns:
        The paths of the initialised layers, in call order.

    Raises:
        ValueError: the model has no layer this pass can initialise, or a
            layer is called more than once in a forward pass.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from normlab.nn import WeightNorm
        >>> model = WeightNorm(nnx.Linear(5, 3, rngs=nnx.Rngs(0)))
        >>> x = jax.random.normal(jax.random.key(1), (100, 5)) + 2.0
        >>> data_dependent_init(model, x)
        ['']
        >>> y = model(x)
        >>> bool(jnp.allclose(y.mean(0), 0, atol=1e-5))
        True
        >>> bool(jnp.allclose(y.std(0), 1, atol=1e-5))
        True

    References:
        T. Salimans and D. P. Kingma, "Weight Normalization", NeurIPS 2016,
        arXiv:1602.07868, section 3 (data-dependent initialization).
    """
    if not isinstance(model, nnx.Module):
        raise TypeError(
            f"data_dependent_init: model must be an nnx.Module, got {type(model)}"
        )
    _check_batch(batch, "data_dependent_init")
    if not isinstance(deterministic, bool):
        raise TypeError(
            f"data_dependent_init: deterministic must be a bool, got {deterministic!r}"
        )
    rows = _run_tapped(model, batch, include_plain, _standardise, deterministic)
    dead = [
        path or type(model).__name__
        for path, _, sd in rows
        if not bool(jnp.any(sd > 0))
    ]
    if dead:
        raise ValueError(
            f"data_dependent_init: every unit of layer(s) {', '.join(dead)} has zero standard "
            "deviation on this batch, so they were left as they were; use a batch whose examples "
            "differ (the paper uses 500 training images)"
        )
    return [path for path, _, _ in rows]


def _check_batch(batch: Any, fn: str) -> None:
    """An array batch needs >= 2 examples, finite values, and examples that differ."""
    if not hasattr(batch, "shape"):
        return  # a pytree of inputs: the model itself decides what it accepts
    if batch.ndim < 2:
        raise ValueError(
            f"{fn}: batch has shape {tuple(batch.shape)}: need (examples, ...)"
        )
    if batch.shape[0] < 2:
        raise ValueError(
            f"{fn}: batch has {batch.shape[0]} example(s); the per-unit statistics need "
            "at least 2 (the paper uses 500)"
        )
    x = jnp.asarray(batch)
    if jnp.issubdtype(x.dtype, jnp.inexact) and not bool(jnp.all(jnp.isfinite(x))):
        raise ValueError(f"{fn}: batch contains NaN or infinite values")
    if bool(jnp.all(x == x[:1])):
        raise ValueError(
            f"{fn}: all {batch.shape[0]} examples of the batch are identical, so every "
            "standard deviation is 0; use a batch of different examples"
        )


def preactivation_moments(
    model: nnx.Module, batch: Any, *, include_plain: bool = True
) -> list[dict[str, Any]]:
    """Per-unit mean and standard deviation of every linear layer's output on ``batch``.

    The outputs are those of :class:`~normlab.nn.WeightNorm`, ``nnx.Linear``
    and ``nnx.Conv`` layers (before any normalization or activation that
    follows), in call order; statistics run over every axis but
    the last. Dropout and noise are off and batch norms use the batch's
    statistics, as in :func:`data_dependent_init`. The model is not changed.

    Returns:
        A list with one dict per layer, ``{"layer": path, "mean": (units,), "std": (units,)}``.

    Example:
        >>> import jax
        >>> from normlab.models import MLP
        >>> mlp = MLP(4, 2, depth=1, width=3, rngs=nnx.Rngs(0))
        >>> x = jax.random.normal(jax.random.key(0), (64, 4))
        >>> stats = preactivation_moments(mlp, x)
        >>> [(s["layer"], s["std"].shape) for s in stats]
        [('hidden/0', (3,)), ('out', (2,))]
    """
    _check_batch(batch, "preactivation_moments")
    rows = _run_tapped(model, batch, include_plain, lambda layer, x, y: y)
    return [{"layer": path, "mean": mu, "std": sd} for path, mu, sd in rows]


# --- the tap: run a model with its linear layers intercepted where they sit -------------------


@nnx.jit
def _apply(layer, x):
    """``layer(x)`` compiled once per layer: an eager pass would compile every op on its own."""
    return layer(x)


_mean_std = jax.jit(_stats.mean_std)


class _Tap(nnx.Module):
    """Stands in for ``inner`` during one pass: calls it, records, maybe rescales it."""

    def __init__(self, inner, path: str, hook: Callable, rows: list):
        self.inner, self.path, self.hook, self.rows = inner, path, hook, rows

    def __call__(self, x, *args, **kwargs):
        if any(r[0] == self.path for r in self.rows):
            raise ValueError(
                f"layer {self.path!r} is called twice in one forward pass; "
                "a data-dependent pass needs each layer called once"
            )

        def call():
            return (
                self.inner(x, *args, **kwargs)
                if args or kwargs
                else _apply(self.inner, x)
            )

        y = self.hook(self.inner, call, call())
        mu, sd = _mean_std(y)
        self.rows.append((self.path, mu, sd))
        return y


def _standardise(layer, recompute, y):
    mu, sd = _mean_std(y)
    scale = jnp.where(sd > 0, 1.0 / jnp.where(sd > 0, sd, 1.0), 1.0)
    mu = jnp.where(sd > 0, mu, 0.0)
    if isinstance(layer, WeightNorm):
        if layer.feature_axes != (layer.v.ndim - 1,):
            raise ValueError(
                "data_dependent_init needs WeightNorm layers with one length per "
                f"output unit (feature_axes=-1); got feature_axes={layer.feature_axes}"
            )
        layer.g.set_value((layer.g[...] * scale).astype(layer.g[...].dtype))
    else:
        k = layer.kernel
        k.set_value((k[...] * scale).astype(k[...].dtype))
    bias = getattr(layer, "bias", None)
    if bias is not None:
        bias.set_value(((bias[...] - mu) * scale).astype(bias[...].dtype))
    return recompute()


def _targets(model: nnx.Module, include_plain: bool) -> list[tuple[tuple, nnx.Module]]:
    nodes = [(tuple(path), node) for path, node in nnx.iter_graph(model)]
    wn = [p for p, n in nodes if isinstance(n, WeightNorm)]
    out = []
    for path, node in nodes:
        if isinstance(node, WeightNorm):
            out.append((path, node))
        elif include_plain and isinstance(node, _PLAIN):
            if not any(path[: len(w)] == w for w in wn):
                out.append((path, node))
    if not out:
        kinds = (
            "WeightNorm layers"
            if not include_plain
            else ("WeightNorm, nnx.Linear or nnx.Conv layers")
        )
        hint = (
            ""
            if include_plain
            else " (pass include_plain=True for nnx.Linear / nnx.Conv)"
        )
        raise ValueError(f"{type(model).__name__} has no {kinds} to initialise{hint}")
    if any(len(p) == 0 for p, _ in out) and len(out) > 1:
        raise ValueError("cannot tap a model that is itself a target and holds others")
    return out


def _child(node, key):
    return node[key] if isinstance(key, int) else getattr(node, key)


def _set_child(node, key, value):
    if isinstance(key, int):
        node[key] = value
    else:
        setattr(node, key, value)


def _run_tapped(model, batch, include_plain, hook, deterministic=True):
    targets = _targets(model, include_plain)
    modes = [
        (m, f, getattr(m, f))
        for _, m in nnx.iter_graph(model)
        for f in _MODE_FLAGS
        if isinstance(m, nnx.Module) and hasattr(m, f)
    ]
    rows: list = []
    placed = []
    batch_stats = nnx.clone(nnx.state(model, nnx.BatchStat))
    try:
        # normalise with the batch's statistics, randomness as asked
        for m, f, _ in modes:
            setattr(m, f, deterministic if f == "deterministic" else False)
        if targets[0][0] == ():  # the model is the one layer
            path, layer = targets[0]
            tap = _Tap(layer, "", hook, rows)
            tap(batch)
        else:
            for path, layer in targets:
                parent = model
                for key in path[:-1]:
                    parent = _child(parent, key)
                _set_child(
                    parent, path[-1], _Tap(layer, "/".join(map(str, path)), hook, rows)
                )
                placed.append((parent, path[-1], layer))
            model(batch)
    finally:
        for parent, key, layer in placed:
            _set_child(parent, key, layer)
        for m, f, v in modes:
            setattr(m, f, v)
        nnx.update(model, batch_stats)
    return rows
