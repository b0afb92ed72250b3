r"""Diagnostics of shattered gradients, for any NNX model or apply function.

Balduzzi et al. (2017) show that the gradient of a deep rectifier network
with respect to its input looks more and more like white noise as the
network gets deeper (it "shatters"), while a resnet's looks like brown
noise, and a looks-linear network's does not shatter at all. The functions
here measure that on any model:

- :func:`input_gradients`, :func:`line_gradients`, :func:`segment_gradients`:
  the gradient of one scalar output along a line of 1-D inputs, or the
  directional derivative along the segment between two real inputs;
- :func:`autocorrelation` and :func:`whiteness` (lag-1 autocorrelation and
  spectral slope) of such a sequence, with :func:`white_noise` and
  :func:`brown_noise` as references;
- :func:`gradient_correlation`: the correlation between gradients at nearby
  inputs averaged over many initializations, with a jackknife error bar;
  :func:`lagged_correlation` the same at many lags from given gradients;
- :func:`activation_statistics` and :func:`coactivation`: per-layer moments,
  the fraction of active units, and how often a unit is active at two inputs
  a given distance apart.

Models with batch norm are evaluated by default with the statistics of the
batch of points itself, frozen for the derivative (:func:`freeze_batch_stats`),
which is the paper's "batch norm over the points". Every function is pure: the
model passed in is never changed.

References:
    Balduzzi, Frean, Leary, Lewis, Ma, McWilliams, "The shattered gradients
    problem: If resnets are the answer, then what is the question?",
    ICML 2017, arXiv:1702.08591.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

__all__ = [
    "activation_statistics",
    "autocorrelation",
    "brown_noise",
    "coactivation",
    "freeze_batch_stats",
    "gradient_correlation",
    "input_gradients",
    "lagged_correlation",
    "line_gradients",
    "pattern_correlation",
    "segment_gradients",
    "white_noise",
    "whiteness",
]

Model = nnx.Module | Callable[[jax.Array], jax.Array]


def freeze_batch_stats(model: nnx.Module, x: jax.Array) -> nnx.Module:
    """A copy of ``model`` in eval mode whose batch norms use the statistics of ``x``.

    Every layer with Flax's ``use_running_average`` switch and a ``momentum``
    (``nnx.BatchNorm`` and layers built like it) gets its running mean and
    variance set to those of the batch ``x``: the copy computes exactly what
    ``model`` computes in train mode on ``x``, but each output depends only on
    its own input, so per-example input gradients are well defined. The
    original model is not changed.

    Args:
        model: any NNX module.
        x: the batch whose statistics the copy keeps.

    Returns:
        The copy, in eval mode.

    Example:
        >>> import jax
        >>> bn = nnx.BatchNorm(2, rngs=nnx.Rngs(0))
        >>> x = jax.random.normal(jax.random.key(0), (64, 2)) * 3 + 1
        >>> bn.train()
        >>> frozen = freeze_batch_stats(bn, x)
        >>> bool(jnp.allclose(frozen(x), bn(x), atol=1e-5))
        True
    """
    model = nnx.clone(model)
    norms = [
        m
        for _, m in nnx.iter_graph(model)
        if hasattr(m, "use_running_average") and hasattr(m, "momentum")
    ]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.momentum = 0.0
    model.train()
    model(x)
    model.eval()
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    return model


def _as_function(model: Model, x: jax.Array, output: int, batch_stats: bool):
    """A pure ``f(x) -> (n,)`` giving output ``output`` of ``model`` per example."""
    if isinstance(model, nnx.Module):
        if batch_stats:
            model = freeze_batch_stats(model, x)
        else:
            model = nnx.clone(model)
            model.eval()
        graphdef, state = nnx.split(model)

        def apply(inputs):
            return nnx.merge(graphdef, state, copy=True)(inputs)
    else:
        apply = model

    def f(inputs):
        y = apply(inputs)
        if y.ndim == 2:
            if not 0 <= output < y.shape[1]:
                raise ValueError(
                    f"output={output} but the model has {y.shape[1]} outputs "
                    f"(allowed: 0 to {y.shape[1] - 1})"
                )
            return y[:, output]
        if y.ndim != 1 and y.size != y.shape[0]:
            raise ValueError(
                f"the model's output has shape {y.shape}: need (n,) or (n, outputs) per batch"
            )
        return y.reshape(y.shape[0])

    return f


def input_gradients(
    model: Model, x: jax.Array, *, output: int = 0, batch_stats: bool = True
) -> jax.Array:
    r"""The gradient of output ``output`` with respect to each input of the batch ``x``.

    .. math:: g_i = \nabla_{x} f_{\text{output}}(x)\big|_{x = x_i}

    Args:
        model: an NNX module or a function mapping a batch to outputs
            ``(n,)`` or ``(n, k)``; a function must treat examples independently.
        x: the inputs, ``(n, ...)``.
        output: which output unit (ignored for ``(n,)`` outputs).
        batch_stats: normalize batch-norm layers with the statistics of ``x``
            (:func:`freeze_batch_stats`); else use the model's running averages.

    Returns:
        Gradients with the shape of ``x``.

    Example:
        >>> import jax.numpy as jnp
        >>> f = lambda x: (x**2).sum(-1)
        >>> input_gradients(f, jnp.array([[1.0, 2.0]])).tolist()
        [[2.0, 4.0]]
    """
    x = jnp.asarray(x)
    _check_output(output)
    if x.ndim < 2 or len(x) < 1:
        raise ValueError(f"x has shape {x.shape}: need a batch (n, ...) with n >= 1")
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(
            f"x has dtype {x.dtype}: input gradients need floating-point inputs"
        )
    f = _as_function(model, x, output, batch_stats)
    return jax.grad(lambda z: f(z).sum())(x)


def _check_output(output) -> None:
    if isinstance(output, bool) or not isinstance(output, (int, np.integer)):
        raise TypeError(
            f"output={output!r} must be an int (the index of an output unit)"
        )
    if output < 0:
        raise ValueError(f"output={output} must be >= 0 (the index of an output unit)")


def line_gradients(
    model: Model,
    *,
    num: int = 256,
    lo: float = -2.0,
    hi: float = 2.0,
    output: int = 0,
    batch_stats: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients :math:`df/dx` of a 1-D-input net at ``num`` points of ``[lo, hi)``.

    The paper's Figure 1 setup (256 points). A ReLU network with zero biases
    and no batch norm is positively homogeneous, so on a 1-D input its
    gradient takes only two values: give it batch norm (normalized over these
    points, the default) or non-zero biases.

    Returns:
        ``(x, g)``: the points and the gradient at each, ``float64`` arrays.

    Example:
        >>> x, g = line_gradients(lambda x: 3 * x[:, 0], num=4)
        >>> x.tolist(), g.tolist()
        ([-2.0, -1.0, 0.0, 1.0], [3.0, 3.0, 3.0, 3.0])
    """
    t = jnp.linspace(lo, hi, num, endpoint=False)
    g = input_gradients(model, t[:, None], output=output, batch_stats=batch_stats)
    return np.asarray(t, np.float64), np.asarray(g[:, 0], np.float64)


def segment_gradients(
    model: Model,
    x0: jax.Array,
    x1: jax.Array,
    *,
    num: int = 256,
    output: int = 0,
    batch_stats: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The directional derivative of a network along the segment from ``x0`` to ``x1``.

    With :math:`x(t) = (1 - t)\, x_0 + t\, x_1` at ``num`` values of
    :math:`t \in [0, 1]`, returns
    :math:`\frac{d}{dt} f(x(t)) = \langle \nabla f(x(t)), x_1 - x_0 \rangle`:
    the 1-D gradient sequence of the paper, for a network on real inputs
    (e.g. between two images), ready for :func:`autocorrelation`.

    Returns:
        ``(t, g)``, ``float64`` arrays.

    Example:
        >>> import jax.numpy as jnp
        >>> f = lambda x: x.sum(-1)
        >>> t, g = segment_gradients(f, jnp.zeros(3), jnp.ones(3), num=3)
        >>> g.tolist()
        [3.0, 3.0, 3.0]
    """
    x0, x1 = jnp.asarray(x0), jnp.asarray(x1)
    t = jnp.linspace(0.0, 1.0, num)
    xs = x0[None] + t.reshape(-1, *[1] * x0.ndim) * (x1 - x0)[None]
    g = input_gradients(model, xs, output=output, batch_stats=batch_stats)
    d = jnp.tensordot(g, x1 - x0, axes=x0.ndim)
    return np.asarray(t, np.float64), np.asarray(d, np.float64)


def autocorrelation(
    g, max_lag: int | None = None, *, center: bool = False
) -> np.ndarray:
    r"""The normalized autocorrelation function of a gradient sequence.

    .. math:: A(k) = \frac{\frac{1}{n-k}\sum_{i=1}^{n-k} \tilde g_i\, \tilde g_{i+k}}
                          {\frac{1}{n}\sum_{i=1}^{n} \tilde g_i^2}

    with :math:`\tilde g = g` (uncentred, the default) or
    :math:`\tilde g = g - \bar g` (``center=True``, the mean of each row
    subtracted: the usual autocorrelation of a signal). :math:`A(0) = 1`.
    Uncentred, a constant gradient (a linear network) has :math:`A(k) = 1` at
    every lag, and a gradient with a large mean (a resnet with small
    :math:`\beta`) stays near 1 whatever its fluctuations do; centred, only the
    fluctuations count (a constant sequence then has none and raises). White
    noise gives about 0 beyond lag 0, brown noise close to 1 at small lags. A
    2-D ``g`` holds one sequence per row (e.g. one per initialization);
    numerator and denominator are pooled over the rows. Computed in float64.

    Args:
        g: the sequence ``(n,)`` or sequences ``(m, n)``.
        max_lag: the largest lag (default ``n // 2``).
        center: subtract each row's mean first.

    Returns:
        ``A(0), ..., A(max_lag)``.

    Example:
        >>> autocorrelation([2.0, 2.0, 2.0, 2.0], 2).tolist()
        [1.0, 1.0, 1.0]
        >>> autocorrelation([3.0, 1.0, 3.0, 1.0], 1, center=True).tolist()
        [1.0, -1.0]
    """
    g = np.atleast_2d(np.asarray(g, np.float64))
    n = g.shape[1]
    max_lag = n // 2 if max_lag is None else int(max_lag)
    if not 0 <= max_lag < n:
        raise ValueError(f"max_lag={max_lag} must be in [0, {n - 1}]")
    if center:
        g = g - g.mean(1, keepdims=True)
    power = np.mean(g * g)
    if power <= 1e-24 * max(1.0, float(np.abs(g).max()) ** 2):
        what = (
            "constant (nothing left after centring)" if center else "identically zero"
        )
        raise ValueError(f"the gradient sequence is {what}")
    return np.array(
        [np.mean(g[:, : n - k] * g[:, k:]) / power for k in range(max_lag + 1)]
    )


def lagged_correlation(g, lags: Sequence[int]) -> dict[str, np.ndarray]:
    r"""Correlation of gradients ``lag`` positions apart, pooled over initializations.

    For gradients :math:`g_{k,i}` of initialization :math:`k` at ordered
    inputs :math:`i` (from any model, e.g. :func:`line_gradients` per key),
    at each lag :math:`\ell`:

    .. math:: \hat C(\ell) = \frac{\sum_{k,i} \langle g_{k,i},\, g_{k,i+\ell}\rangle}
              {\sum_{k,i} \tfrac12\bigl(\|g_{k,i}\|^2 + \|g_{k,i+\ell}\|^2\bigr)}

    (the estimator of :func:`gradient_correlation`, for many lags at once and
    without building models), with a jackknife standard error over
    initializations. Theorem 1 of Balduzzi et al. (:math:`2^{-L}`) is about
    pairs of inputs whose activation patterns are independent: on a line, far
    apart pairs, not neighbours.

    Args:
        g: gradients ``(m, n)`` or ``(m, n, d)``, ``m >= 2`` initializations.
        lags: distances in positions, each in ``[1, n - 1]``.

    Returns:
        ``{"lags", "correlation", "stderr"}``, arrays over ``lags``.

    Example:
        >>> g = np.array([[1.0, 1.0, -1.0, -1.0], [2.0, 2.0, -2.0, -2.0]])
        >>> lagged_correlation(g, [1, 2])["correlation"].round(6).tolist()
        [0.333333, -1.0]
    """
    g = np.asarray(g, np.float64)
    if g.ndim == 2:
        g = g[:, :, None]
    if g.ndim != 3 or len(g) < 2:
        raise ValueError(
            f"g must be (m, n) or (m, n, d) with m >= 2, got shape {g.shape}"
        )
    m, n = g.shape[:2]
    lags = [int(k) for k in lags]
    if not lags or not all(1 <= k < n for k in lags):
        raise ValueError(f"lags={lags} must be non-empty, each in [1, {n - 1}]")
    est, err = [], []
    for k in lags:
        a, b = g[:, :-k], g[:, k:]
        cross = np.einsum("kid,kid->k", a, b)
        energy = 0.5 * (np.einsum("kid,kid->k", a, a) + np.einsum("kid,kid->k", b, b))
        if energy.sum() == 0:
            raise ValueError("the gradients are identically zero")
        est.append(cross.sum() / energy.sum())
        loo = (cross.sum() - cross) / (energy.sum() - energy)
        err.append(np.sqrt((m - 1) / m * np.sum((loo - loo.mean()) ** 2)))
    return {
        "lags": np.asarray(lags),
        "correlation": np.asarray(est),
        "stderr": np.asarray(err),
    }


def whiteness(g) -> dict[str, float]:
    r"""How white a gradient sequence is: lag-1 autocorrelation and spectral slope.

    ``lag1`` is :math:`A(1)` of :func:`autocorrelation` (white noise: about 0;
    brown noise and smooth gradients: close to 1). ``spectral_slope`` is the
    slope :math:`s` of :math:`\log P(f) \approx c + s \log f` for the
    periodogram :math:`P` of the sequence (zero frequency left out), fitted
    with equal weight per octave: about 0 for white noise and about -2 for
    brown noise (:math:`P \propto f^{-2}`).

    Returns:
        ``{"lag1": ..., "spectral_slope": ...}``; a 2-D ``g`` (one sequence per
        row) pools the autocorrelation and averages the log periodograms.

    Example:
        >>> import jax
        >>> w = whiteness(white_noise(jax.random.key(0), 4096))
        >>> abs(w["lag1"]) < 0.1, abs(w["spectral_slope"]) < 0.3
        (True, True)
    """
    g = np.atleast_2d(np.asarray(g, np.float64))
    n = g.shape[1]
    spectrum = np.abs(np.fft.rfft(g - g.mean(1, keepdims=True), axis=1)[:, 1:]) ** 2
    freqs = np.fft.rfftfreq(n)[1:]
    log_power = np.log(np.maximum(spectrum, np.finfo(float).tiny)).mean(0)
    slope = np.polyfit(np.log(freqs), log_power, 1, w=1 / np.sqrt(freqs))[0]
    return {"lag1": float(autocorrelation(g, 1)[1]), "spectral_slope": float(slope)}


def white_noise(key: jax.Array, n: int) -> np.ndarray:
    """``n`` independent standard normal values: the fully shattered reference.

    Example:
        >>> import jax
        >>> white_noise(jax.random.key(0), 5).shape
        (5,)
    """
    return np.asarray(jax.random.normal(key, (n,)), np.float64)


def brown_noise(key: jax.Array, n: int) -> np.ndarray:
    r"""A Gaussian random walk of ``n`` steps scaled to unit mean square: the resnet reference.

    .. math:: b_i = \sum_{j \le i} w_j / \sqrt{\overline{(\textstyle\sum w)^2}}

    Example:
        >>> import jax
        >>> b = brown_noise(jax.random.key(0), 256)
        >>> round(float((b ** 2).mean()), 6)
        1.0
    """
    b = np.cumsum(white_noise(key, n))
    return b / np.sqrt(np.mean(b * b))


def gradient_correlation(
    make_model: Callable[[jax.Array], Model],
    keys: Sequence[jax.Array],
    x: jax.Array,
    *,
    lag: int = 1,
    output: int = 0,
    batch_stats: bool = True,
    chunk: int = 8,
) -> dict:
    r"""Correlation between input gradients ``lag`` points apart, over many initializations.

    For each key a fresh model gives the gradients :math:`g_{k,i}` at the
    ordered inputs ``x`` (e.g. the points of :func:`line_gradients`). The
    estimate pools over initializations :math:`k` and positions :math:`i`:

    .. math:: \hat C = \frac{\sum_{k,i} \langle g_{k,i},\, g_{k,i+\ell}\rangle}
              {\sum_{k,i} \tfrac12\bigl(\|g_{k,i}\|^2 + \|g_{k,i+\ell}\|^2\bigr)}

    with a jackknife standard error over initializations. Theorem 1 of
    Balduzzi et al. predicts :math:`2^{-L}` for a depth-:math:`L` ReLU network
    whose units are co-active on a quarter of input pairs; Theorem 3 about
    :math:`1/(\beta\sqrt L)` for batch-normalized resnets with branches
    scaled by :math:`\beta`. Such small values need many keys: compare the
    error bar with the value before reading a decay rate off it.

    Models are built by one compiled initializer called once per key, then
    differentiated in one compiled, batched program (``chunk`` keys at a
    time), so ``make_model`` must build the model from the key alone.

    Args:
        make_model: ``make_model(key)`` builds a model (NNX module or function).
        keys: one key per initialization (at least 2).
        x: ordered inputs ``(n, ...)``.
        lag: distance in positions between the two inputs of a pair.
        output: which output unit.
        batch_stats: see :func:`input_gradients`.
        chunk: initializations computed at once.

    Returns:
        ``{"correlation", "stderr", "per_init", "gradients"}``: the pooled
        estimate, its jackknife standard error, one ratio per key (NaN for a
        key whose gradients are all zero), and the
        gradients ``(keys, n, ...)`` as a numpy array.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> make = lambda k: (lambda x: x[:, 0] * jax.random.normal(k))  # linear
        >>> keys = jax.random.split(jax.random.key(0), 4)
        >>> c = gradient_correlation(make, keys, jnp.linspace(-1, 1, 8)[:, None])
        >>> round(c["correlation"], 6), round(c["stderr"], 6)
        (1.0, 0.0)
    """
    if not callable(make_model):
        raise TypeError(
            f"make_model must be callable (key -> model), got {type(make_model)}"
        )
    keys = jnp.stack(list(keys))
    if len(keys) < 2:
        raise ValueError("gradient_correlation needs at least 2 keys for an error bar")
    x = jnp.asarray(x)
    _check_output(output)
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)):
        raise TypeError(f"lag={lag!r} must be an int")
    if not 1 <= lag < len(x):
        raise ValueError(f"lag={lag} must be in [1, {len(x) - 1}]")
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk={chunk!r} must be an int >= 1")

    def grads(model):
        return input_gradients(model, x, output=output, batch_stats=batch_stats)

    probe = {}

    def structure(key):  # traced only: is it a module, and its graph definition
        model = make_model(key)
        if isinstance(model, nnx.Module):
            probe["graphdef"] = nnx.graphdef(model)
        return jnp.zeros(())

    jax.eval_shape(structure, keys[0])
    # initialize the models one by one, then differentiate together
    if "graphdef" in probe:
        graphdef = probe["graphdef"]
        # One compiled initializer called per key, not jit(vmap(...)): a vmapped orthogonal
        # init (batched QR) deadlocks XLA:CPU on 2 cores (looks-linear models hung).
        init = jax.jit(lambda k: nnx.state(make_model(k)))
        per_key = [init(k) for k in keys]
        states = jax.tree.map(lambda *a: jnp.stack(a), *per_key)
        g = jax.jit(
            lambda st: jax.lax.map(
                lambda s: grads(nnx.merge(graphdef, s)), st, batch_size=chunk
            )
        )(states)
    else:
        g = jax.jit(
            lambda ks: jax.lax.map(lambda k: grads(make_model(k)), ks, batch_size=chunk)
        )(keys)
    g = np.asarray(g, np.float64).reshape(len(keys), len(x), -1)
    a, b = g[:, :-lag], g[:, lag:]
    cross = np.einsum("kid,kid->k", a, b)
    energy = 0.5 * (np.einsum("kid,kid->k", a, a) + np.einsum("kid,kid->k", b, b))
    estimate = cross.sum() / energy.sum()
    m = len(keys)
    leave_one_out = (cross.sum() - cross) / (energy.sum() - energy)
    stderr = np.sqrt((m - 1) / m * np.sum((leave_one_out - leave_one_out.mean()) ** 2))
    return {
        "correlation": float(estimate),
        "stderr": float(stderr),
        "per_init": np.where(
            energy > 0, cross / np.where(energy > 0, energy, 1.0), np.nan
        ),
        "gradients": g.reshape(len(keys), *x.shape),
    }


def _features(
    model: nnx.Module, x: jax.Array, features, batch_stats: bool
) -> list[np.ndarray]:
    if features is None:
        if not hasattr(model, "features"):
            raise TypeError(
                f"{type(model).__name__} has no .features(x); pass features="
            )
        features = type(model).features
    model = freeze_batch_stats(model, x) if batch_stats else nnx.clone(model)
    if not batch_stats:
        model.eval()
    return [np.asarray(h, np.float64).reshape(len(x), -1) for h in features(model, x)]


def activation_statistics(
    model: nnx.Module, x: jax.Array, *, features=None, batch_stats: bool = True
) -> dict[str, np.ndarray]:
    r"""Per-layer activation moments and the fraction of active units.

    For each layer's activations :math:`h` (from ``model.features(x)`` or
    ``features(model, x)``), over inputs and units: the mean, the variance,
    and ``active``, the fraction of (input, unit) pairs with :math:`h > 0`;
    ``dead`` and ``always`` are the fractions of units active on none or on
    all of the inputs. Batch norm keeps every unit active on about half the
    inputs.

    Returns:
        ``{"mean", "var", "active", "dead", "always"}``, one value per layer.

    Example:
        >>> import jax
        >>> from normlab.models import MLP
        >>> mlp = MLP(1, 1, depth=3, width=50, normalization="batch", rngs=nnx.Rngs(0))
        >>> x = jax.numpy.linspace(-2, 2, 256)[:, None]
        >>> stats = activation_statistics(mlp, x)
        >>> [round(float(a), 1) for a in stats["active"]]
        [0.5, 0.5, 0.5]
    """
    out = {k: [] for k in ("mean", "var", "active", "dead", "always")}
    for h in _features(model, x, features, batch_stats):
        on = h > 0
        out["mean"].append(h.mean())
        out["var"].append(h.var())
        out["active"].append(on.mean())
        out["dead"].append((~on.any(0)).mean())
        out["always"].append(on.all(0).mean())
    return {k: np.asarray(v) for k, v in out.items()}


def coactivation(
    model: nnx.Module,
    x: jax.Array,
    lags: Sequence[int],
    *,
    features=None,
    batch_stats: bool = True,
) -> np.ndarray:
    r"""How often a unit is active at two inputs ``lag`` positions apart, per layer.

    For ordered inputs ``x`` (a line or a segment), the fraction of (unit,
    position) pairs with :math:`h_i > 0` and :math:`h_{i+\ell} > 0`. At lag 0
    this is the active fraction; for independent activation patterns with
    each unit active half the time it is :math:`1/4`. Averaged over all pairs
    of a batch-normalized layer it is trivially about :math:`1/4`, which is why
    this is measured against the distance between the inputs.

    Returns:
        An array ``(layers, len(lags))``.

    Example:
        >>> import jax
        >>> from normlab.models import MLP
        >>> mlp = MLP(1, 1, depth=2, width=50, normalization="batch", rngs=nnx.Rngs(0))
        >>> c = coactivation(mlp, jax.numpy.linspace(-2, 2, 256)[:, None], [0, 255])
        >>> c.shape, bool((c[:, 0] > c[:, 1]).all())
        ((2, 2), True)
    """
    rows = []
    for h in _features(model, x, features, batch_stats):
        on = h > 0
        rows.append([np.mean(on[: len(on) - k] & on[k:]) for k in lags])
    return np.asarray(rows)


def pattern_correlation(
    models: nnx.Module | Sequence[nnx.Module],
    x: jax.Array,
    lags: Sequence[int],
    *,
    features=None,
    batch_stats: bool = True,
) -> np.ndarray:
    r"""Theorem 1's gradient correlation, counted from the activation patterns.

    Backpropagating through a He-initialised ReLU layer multiplies the
    covariance of the gradients at inputs :math:`i, j` by :math:`2 q_l(i, j)`
    and each one's second moment by :math:`2 a_l(i)`, where :math:`q_l` is the
    fraction of the layer's units active at both inputs and :math:`a_l` at one
    (the count of Balduzzi et al.'s Theorem 1, which treats later weights as
    independent of the patterns). Pooled like :func:`lagged_correlation`, over
    the pairs ``lag`` apart and over ``models`` (initializations):

    .. math:: \hat\rho(\ell) = \frac{\sum_{k,i} \prod_l 2 q_l(i, i+\ell)}
              {\sum_{k,i} \tfrac12 \bigl(\prod_l 2 a_l(i) + \prod_l 2 a_l(i+\ell)\bigr)}

    With every unit active half the time and independent patterns
    (:math:`a = 1/2`, :math:`q = 1/4`) it is :math:`2^{-L}`; for inputs that
    share their whole pattern it is 1.

    Returns:
        An array over ``lags``.

    Example:
        >>> import jax
        >>> from normlab.models import MLP
        >>> mlp = MLP(1, 1, depth=1, width=50, normalization="batch", rngs=nnx.Rngs(0))
        >>> x = jax.numpy.linspace(-2, 2, 256, endpoint=False)[:, None]
        >>> pattern_correlation(mlp, x, [64, 128]).round(6).tolist()  # one switch at 0
        [0.666667, 0.0]
    """
    lags = [int(k) for k in lags]
    if not lags or not all(1 <= k < len(x) for k in lags):
        raise ValueError(f"lags={lags} must be non-empty, each in [1, {len(x) - 1}]")
    models = [models] if isinstance(models, nnx.Module) else list(models)
    if not models:
        raise ValueError("models is empty: pass a model or a list of them")
    cross, energy = np.zeros(len(lags)), np.zeros(len(lags))
    for model in models:
        shared = {k: 1.0 for k in lags}
        alone = 1.0
        for h in _features(model, x, features, batch_stats):
            on = (h > 0).astype(np.float64)
            alone = alone * 2 * on.mean(1)
            for k in lags:
                shared[k] = shared[k] * 2 * np.mean(on[:-k] * on[k:], 1)
        for n, k in enumerate(lags):
            cross[n] += shared[k].sum()
            energy[n] += 0.5 * (alone[:-k] + alone[k:]).sum()
    if not energy.all():
        raise ValueError("no unit is active at any input: the gradients are zero")
    return cross / energy
