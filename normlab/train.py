"""The training loop: one for every experiment in the book.

:func:`fit` trains one model; :func:`fit_seeds` trains several copies (one per
key) as one compiled program with ``jax.vmap``. Both keep the dataset on the
device, shuffle it there with an explicit key, and either run an epoch as one
compiled ``lax.scan`` or step from Python (``scan="auto"`` picks: convolutions
on XLA:CPU step, because a convolution's weight gradient inside a loop body
runs about 69x slower there, jax-ml/jax#12868; everything else scans).
Per-step losses stay on the device and are fetched once per epoch; a loss that
is NaN or infinite raises :class:`DivergenceError` naming the epoch and step.

The model is used functionally: ``nnx.split(model, nnx.Param, ...)`` gives the
parameters, which the optimizer updates, and the rest of the state (batch
statistics, dropout RNG counters), which the forward pass updates. Train and
eval mode are two graph definitions, taken after ``model.train()`` and
``model.eval()``, so layers switch on Flax's ``deterministic`` and
``use_running_average``. At the end the trained state is written back into the
model objects passed in.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

__all__ = ["DivergenceError", "History", "evaluate", "fit", "fit_seeds", "uses_scan"]

Metrics = Callable[[nnx.Module], dict[str, jax.Array]]


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite; the message names epoch and step."""


@dataclass
class History:
    """Per-epoch metrics of one training run.

    ``train_loss`` / ``train_accuracy`` average the minibatches of the epoch
    (in train mode); ``test_*`` and every entry of ``extra`` are evaluated in
    eval mode at the end of the epoch. ``initial`` holds the eval-mode metrics
    before the first step (keys ``test_loss``, ``test_accuracy``, ``train_loss``
    when ``eval_train``, and the ``extra`` names).
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    extra: dict[str, list] = field(default_factory=dict)
    initial: dict[str, Any] = field(default_factory=dict)
    steps_per_epoch: int = 0
    wall_time_s: float = 0.0
    #: the first global step whose loss was not finite (``on_divergence="record"``), or None
    diverged_at: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(**d)


def uses_scan(model: nnx.Module, backend: str | None = None) -> bool:
    """Whether :func:`fit` runs an epoch as one ``lax.scan`` for this model.

    True except for models with convolutions on the CPU backend. There
    XLA's own convolution weight gradient is slow, inside a ``lax.scan`` body
    about 69x slower still (jax-ml/jax#12868). With
    :func:`normlab.nn.conv.conv_general_dilated` (the library's models use it) a
    scanned epoch is faster at steady state (``benchmarks/convnet.py``: 3.45
    vs 2.79 steps/s) but compiles about 6 s longer per network, which the
    short runs of the book's small profiles never win back; pass ``scan=True``
    to :func:`fit` for long CPU runs.
    """
    backend = backend or jax.default_backend()
    has_conv = any(isinstance(m, nnx.Conv) for _, m in nnx.iter_graph(model))
    return not (backend == "cpu" and has_conv)


def fit(
    model: nnx.Module,
    tx: optax.GradientTransformation,
    train: tuple[Any, Any],
    *,
    epochs: int,
    batch_size: int,
    key: jax.Array,
    test: tuple[Any, Any] | None = None,
    val: tuple[Any, Any] | None = None,
    eval_train: bool = False,
    metrics: Metrics | None = None,
    scan: bool | str = "auto",
    progress: bool | None = None,
    eval_batch_size: int = 2000,
    desc: str = "train",
) -> History:
    """Train ``model`` in place with ``tx`` on softmax cross-entropy; return its History.

    Args:
        model: an NNX module mapping a batch of inputs to logits.
        tx: an optax optimizer (schedules included).
        train: ``(inputs, integer labels)``; moved to the device once.
        epochs: passes over the training set.
        batch_size: examples per step; the last partial batch is dropped.
        key: shuffling key; the same key gives the same History bit for bit.
        test: optional ``(inputs, labels)`` evaluated after every epoch.
        val: optional validation ``(inputs, labels)``, evaluated like ``test``
            into ``extra["val_loss"]`` and ``extra["val_accuracy"]`` (to select
            hyperparameters or an epoch without looking at the test set).
        eval_train: also evaluate the whole training set in eval mode.
        metrics: ``metrics(model) -> {name: scalar}`` called in eval mode
            after every epoch (and before the first), recorded in ``extra``.
        scan: True, False or ``"auto"`` (see :func:`uses_scan`).
        progress: show a tqdm bar; default off when ``$CI`` is set.
        eval_batch_size: examples per evaluation chunk.
        desc: label of the progress bar.

    Raises:
        DivergenceError: the loss became NaN/Inf (the message names the step).

    Example:
        >>> import jax, optax, numpy as np
        >>> from normlab.models import MLP
        >>> x = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
        >>> y = (x[:, 0] > 0).astype("int32")
        >>> mlp = MLP(4, 2, depth=1, width=16, rngs=nnx.Rngs(0))
        >>> h = fit(mlp, optax.adam(1e-2), (x, y), epochs=5, batch_size=32,
        ...         key=jax.random.key(0), test=(x, y), progress=False)
        >>> h.test_accuracy[-1] > 0.9
        True
    """
    return fit_seeds(
        lambda _: model,
        tx,
        train,
        keys=[key],
        epochs=epochs,
        batch_size=batch_size,
        test=test,
        val=val,
        eval_train=eval_train,
        metrics=metrics,
        scan=scan,
        progress=progress,
        eval_batch_size=eval_batch_size,
        desc=desc,
        _split_keys=False,
    )[0]


def fit_seeds(
    make_model: Callable[[jax.Array], nnx.Module],
    tx: optax.GradientTransformation | Sequence[optax.GradientTransformation],
    train: tuple[Any, Any],
    *,
    keys: Sequence[jax.Array] | jax.Array,
    epochs: int,
    batch_size: int,
    test: tuple[Any, Any] | None = None,
    val: tuple[Any, Any] | None = None,
    eval_train: bool = False,
    metrics: Metrics | None = None,
    scan: bool | str = "auto",
    progress: bool | None = None,
    eval_batch_size: int = 2000,
    desc: str = "train",
    on_divergence: str = "raise",
    _split_keys: bool = True,
) -> list[History]:
    """Train one model per key as a single ``vmap``-ed program; one History per key.

    Each key is split into a model key, passed to ``make_model``, and a
    shuffling key, so one integer seed fixes the whole run. The models must
    share their structure (only their values differ). Results equal those of
    separate :func:`fit` calls with the same models and shuffling keys, to
    float tolerance.

    ``tx`` may also be a sequence, one optimizer per key, to sweep
    hyperparameters in the same program: build them with
    ``optax.inject_hyperparams`` of one optimizer (for example
    ``[optax.inject_hyperparams(optax.sgd)(learning_rate=lr) for lr in lrs]``),
    so that they differ only in the values held in their state. In a sweep a
    rate that diverges is a result, not an error: ``on_divergence="record"``
    keeps training the other runs and sets that run's ``History.diverged_at``
    (the default ``"raise"`` stops with :class:`DivergenceError`).

    With several devices (GPUs, or CPU devices from
    ``--xla_force_host_platform_device_count``) the seeds are sharded across
    them with ``jax.sharding`` (over as many devices as divide the number of
    seeds); the data is replicated.

    Example:
        >>> import jax, optax, numpy as np
        >>> from normlab.models import MLP
        >>> x = np.random.default_rng(0).normal(size=(128, 4)).astype("float32")
        >>> y = (x[:, 1] > 0).astype("int32")
        >>> make = lambda k: MLP(4, 2, depth=1, width=8, rngs=nnx.Rngs(k))
        >>> keys = jax.random.split(jax.random.key(0), 3)
        >>> hs = fit_seeds(
        ...     make, optax.sgd(0.1), (x, y), keys=keys, epochs=2, batch_size=32,
        ...     progress=False,
        ... )
        >>> len(hs), len(hs[0].train_loss)
        (3, 2)
    """
    import time

    _check_int("epochs", epochs, 1)
    _check_int("batch_size", batch_size, 1)
    _check_int("eval_batch_size", eval_batch_size, 1)
    if scan not in (True, False, "auto"):
        raise ValueError(f"scan={scan!r}; allowed: True, False, 'auto'")
    if on_divergence not in ("raise", "record"):
        raise ValueError(f"on_divergence={on_divergence!r}; allowed: 'raise', 'record'")
    if not callable(make_model):
        raise TypeError(
            f"make_model must be callable (key -> model), got {type(make_model)}"
        )
    keys = _check_keys(keys)
    _check_optimizer(tx, len(keys))
    _check_pair("train", train)
    if test is not None:
        _check_pair("test", test)
    if val is not None:
        _check_pair("val", val)
    if not keys:
        raise ValueError("keys must hold at least one key")
    n = len(train[1])
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size={batch_size} must be in [1, {n}] (training set size)"
        )
    if _split_keys:
        pairs = [jax.random.split(k) for k in keys]
        models = [make_model(p[0]) for p in pairs]
        shuffle_keys = jnp.stack([p[1] for p in pairs])
    else:
        models = [make_model(k) for k in keys]
        shuffle_keys = jnp.stack(keys)
    _check_labels_fit_outputs(models[0], train, test, val)
    use_scan = uses_scan(models[0]) if scan == "auto" else bool(scan)
    if progress is None:
        progress = not os.environ.get("CI")

    loop = _Loop(models, tx, metrics, eval_batch_size)
    xs, ys = jnp.asarray(train[0]), jnp.asarray(train[1], jnp.int32)
    test = (
        None
        if test is None
        else (jnp.asarray(test[0]), jnp.asarray(test[1], jnp.int32))
    )
    val = None if val is None else (jnp.asarray(val[0]), jnp.asarray(val[1], jnp.int32))
    steps = n // batch_size
    histories = [History(steps_per_epoch=steps) for _ in models]
    start = time.perf_counter()

    def record(epoch: int | None) -> None:
        values = loop.evaluate_all(xs, ys, test, eval_train, val)
        for i, h in enumerate(histories):
            row = {k: float(v[i]) for k, v in values.items()}
            if epoch is None:
                h.initial = row
                continue
            h.epoch.append(epoch)
            for k, v in row.items():
                if k in ("test_loss", "test_accuracy"):
                    getattr(h, k).append(v)
                else:
                    h.extra.setdefault(k, []).append(v)

    record(None)
    bar = _progress_bar(progress, epochs * (1 if use_scan else steps), desc)
    for epoch in range(1, epochs + 1):
        perm_keys = jax.vmap(jax.random.fold_in, (0, None))(shuffle_keys, epoch)
        if use_scan:
            loss, acc = loop.scan_epoch(perm_keys, xs, ys, steps, batch_size)
        else:
            loss, acc = loop.step_epoch(perm_keys, xs, ys, steps, batch_size, bar)
        loss, acc = np.asarray(loss), np.asarray(acc)  # (seeds, steps): one transfer
        if on_divergence == "raise":
            _check_finite(loss, epoch, steps)
        for i, h in enumerate(histories):
            bad = np.flatnonzero(~np.isfinite(loss[i]))
            if h.diverged_at is None and bad.size:
                h.diverged_at = (epoch - 1) * steps + int(bad[0]) + 1
            h.train_loss.append(float(loss[i].mean()))
            h.train_accuracy.append(float(acc[i].mean()))
        record(epoch)
        h0 = histories[0]
        post = {"loss": f"{h0.train_loss[-1]:.4f}"}
        if h0.test_accuracy:
            post["test_acc"] = f"{h0.test_accuracy[-1]:.4f}"
        bar.set_postfix(post, refresh=False)
        if use_scan:
            bar.update(1)
    bar.close()
    wall = time.perf_counter() - start
    for h in histories:
        h.wall_time_s = wall
    loop.write_back(models)
    return histories


def evaluate(
    model: nnx.Module, data: tuple[Any, Any], *, batch_size: int = 2000
) -> dict:
    """Mean cross-entropy and accuracy of ``model`` (in eval mode) on ``(inputs, labels)``.

    Example:
        >>> import numpy as np
        >>> from normlab.models import MLP
        >>> m = MLP(3, 2, depth=0, width=1, rngs=nnx.Rngs(0))
        >>> sorted(evaluate(m, (np.zeros((4, 3), "float32"), np.zeros(4, "int32"))))
        ['accuracy', 'loss']
    """
    loop = _Loop([model], optax.identity(), None, batch_size)
    x, y = jnp.asarray(data[0]), jnp.asarray(data[1], jnp.int32)
    out = loop.evaluate_all(x, y, None, True)
    return {
        "loss": float(out["train_loss"][0]),
        "accuracy": float(out["train_accuracy"][0]),
    }


# --- internals -------------------------------------------------------------------------------


def _stack(trees):
    return jax.tree.map(lambda *a: jnp.stack(a), *trees)


def _squeeze_vmap(fn, num_seeds: int, in_axes):
    """``vmap(fn)``, or for one seed a plain call on the squeezed arguments."""
    if num_seeds > 1:
        return jax.vmap(fn, in_axes=in_axes)

    def single(*args):
        args = [
            a if ax is None else jax.tree.map(lambda t: t[0], a)
            for a, ax in zip(args, in_axes)
        ]
        return jax.tree.map(lambda t: t[None], fn(*args))

    return single


class _Loop:
    """Compiled train/eval functions over a stack of same-structured models."""

    def __init__(self, models, tx, metrics, eval_batch_size):
        for m in models:
            m.train()
        parts = [nnx.split(m, nnx.Param, ...) for m in models]
        self.gd_train = parts[0][0]
        for m in models:
            m.eval()
        self.gd_eval = nnx.graphdef(models[0])
        self.params = _stack([p[1] for p in parts])
        self.rest = _stack([p[2] for p in parts])
        self.num_seeds = len(models)
        if isinstance(tx, optax.GradientTransformation):
            self.opt_state = jax.vmap(tx.init)(self.params)
        else:
            if len(tx) != self.num_seeds:
                raise ValueError(
                    f"got {len(tx)} optimizers for {self.num_seeds} keys; "
                    "pass one optimizer, or one per key"
                )
            self.opt_state = _stack(
                [
                    t.init(jax.tree.map(lambda a, i=i: a[i], self.params))
                    for i, t in enumerate(tx)
                ]
            )
            tx = tx[0]  # same update code; the hyperparameters live in each state
        self.tx, self.metrics, self.eval_bs = tx, metrics, eval_batch_size
        self.sharding = _seed_sharding(self.num_seeds)
        if self.sharding is not None:
            put = lambda tree: jax.device_put(tree, self.sharding)  # noqa: E731
            self.params, self.rest, self.opt_state = map(
                put, (self.params, self.rest, self.opt_state)
            )
        s = self.num_seeds
        self._scan = jax.jit(
            lambda p, r, o, k, xs, ys, steps, bs: _squeeze_vmap(
                partial(self._scan_one, steps=steps, batch_size=bs),
                s,
                (0, 0, 0, 0, None, None),
            )(p, r, o, k, xs, ys),
            static_argnums=(6, 7),
            donate_argnums=(0, 1, 2),
        )
        self._step = jax.jit(
            _squeeze_vmap(self._step_one, s, (0, 0, 0, 0, None, None, None)),
            donate_argnums=(0, 1, 2),
        )
        self._eval = jax.jit(
            lambda p, r, xs, ys, tx, ty, vx, vy, eval_train: _squeeze_vmap(
                partial(self._eval_one, eval_train=eval_train),
                s,
                (0, 0, None, None, None, None, None, None),
            )(p, r, xs, ys, tx, ty, vx, vy),
            static_argnums=(8,),
        )

    # one seed ---------------------------------------------------------------------------------

    def _train_step(self, params, rest, opt_state, x, y):
        def loss_fn(p, rest):
            model = nnx.merge(self.gd_train, p, rest, copy=True)
            logits = model(x)
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
            return loss, (nnx.split(model, nnx.Param, ...)[2], logits)

        (loss, (rest, logits)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, rest
        )
        updates, opt_state = self.tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        acc = jnp.mean(jnp.argmax(logits, -1) == y)
        return params, rest, opt_state, loss, acc

    def _scan_one(self, params, rest, opt_state, key, xs, ys, steps, batch_size):
        order = jax.random.permutation(key, len(ys))[: steps * batch_size]

        def body(carry, idx):
            p, r, o = carry
            p, r, o, loss, acc = self._train_step(p, r, o, xs[idx], ys[idx])
            return (p, r, o), (loss, acc)

        (params, rest, opt_state), (loss, acc) = jax.lax.scan(
            body, (params, rest, opt_state), order.reshape(steps, batch_size)
        )
        return params, rest, opt_state, loss, acc

    def _step_one(self, params, rest, opt_state, order, xs, ys, i):
        idx = jax.lax.dynamic_index_in_dim(order, i, keepdims=False)
        return self._train_step(params, rest, opt_state, xs[idx], ys[idx])

    def _eval_one(self, params, rest, xs, ys, test_x, test_y, val_x, val_y, eval_train):
        model = nnx.merge(self.gd_eval, params, rest, copy=True)
        out = {}
        if test_x is not None:
            out["test_loss"], out["test_accuracy"] = self._loss_acc(
                model, test_x, test_y
            )
        if val_x is not None:
            out["val_loss"], out["val_accuracy"] = self._loss_acc(model, val_x, val_y)
        if eval_train:
            out["train_loss"], out["train_accuracy"] = self._loss_acc(model, xs, ys)
        if self.metrics is not None:
            out.update(self.metrics(model))
        return out

    def _loss_acc(self, model, x, y):
        """Chunked evaluation; the last chunk is padded and masked."""
        n = len(y)
        bs = min(self.eval_bs, n)
        chunks = math.ceil(n / bs)
        pad = chunks * bs - n
        xp = jnp.concatenate([x, jnp.zeros((pad, *x.shape[1:]), x.dtype)]) if pad else x
        yp = jnp.concatenate([y, jnp.zeros((pad,), y.dtype)]) if pad else y
        mask = (jnp.arange(chunks * bs) < n).reshape(chunks, bs)

        def chunk(args):
            xb, yb, m = args
            logits = model(xb)
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, yb)
            return jnp.sum(loss * m), jnp.sum((jnp.argmax(logits, -1) == yb) * m)

        loss, correct = jax.lax.map(
            chunk, (xp.reshape(chunks, bs, *x.shape[1:]), yp.reshape(chunks, bs), mask)
        )
        return loss.sum() / n, correct.sum() / n

    # all seeds --------------------------------------------------------------------------------

    def scan_epoch(self, keys, xs, ys, steps, batch_size):
        self.params, self.rest, self.opt_state, loss, acc = self._scan(
            self.params, self.rest, self.opt_state, keys, xs, ys, steps, batch_size
        )
        return loss, acc

    def step_epoch(self, keys, xs, ys, steps, batch_size, bar):
        orders = jax.vmap(
            lambda k: jax.random.permutation(k, len(ys))[: steps * batch_size]
        )(keys)
        orders = orders.reshape(len(keys), steps, batch_size)
        losses, accs = [], []
        for i in range(steps):
            self.params, self.rest, self.opt_state, loss, acc = self._step(
                self.params, self.rest, self.opt_state, orders, xs, ys, i
            )
            losses.append(loss)
            accs.append(acc)
            bar.update(1)
        return jnp.stack(losses, 1), jnp.stack(accs, 1)

    def evaluate_all(self, xs, ys, test, eval_train, val=None):
        tx, ty = (None, None) if test is None else test
        vx, vy = (None, None) if val is None else val
        return self._eval(self.params, self.rest, xs, ys, tx, ty, vx, vy, eval_train)

    def write_back(self, models):
        for i, m in enumerate(models):
            pick = lambda t, i=i: t[i]  # noqa: E731
            nnx.update(
                m, jax.tree.map(pick, self.params), jax.tree.map(pick, self.rest)
            )


def _seed_sharding(num_seeds: int):
    """Shard the leading (seed) axis over as many devices as divide ``num_seeds``; None for one."""
    devices = jax.devices()
    count = math.gcd(num_seeds, len(devices))
    if count < 2:
        return None
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.asarray(devices[:count]), ("seeds",))
    return NamedSharding(mesh, PartitionSpec("seeds"))


def _check_finite(loss: np.ndarray, epoch: int, steps: int) -> None:
    bad = ~np.isfinite(loss)
    if bad.any():
        seed, step = np.argwhere(bad)[0]
        raise DivergenceError(
            f"training diverged: loss is {loss[seed, step]} at epoch {epoch}, step {step + 1} "
            f"of {steps} (global step {(epoch - 1) * steps + step + 1}, seed index {seed}); "
            "lower the learning rate or check the inputs"
        )


# --- input checks: a wrong argument raises here, naming it, instead of training on it ---------


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")


def _is_key(k) -> bool:
    dtype = getattr(k, "dtype", None)
    if dtype is None:
        return False
    if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        return k.ndim == 0
    return dtype == jnp.uint32 and tuple(k.shape) == (2,)  # a raw jax.random.PRNGKey


def _check_keys(keys) -> list:
    if _is_key(keys):
        raise TypeError(
            "keys is a single key; pass a sequence, e.g. jax.random.split(key, num_seeds)"
        )
    try:
        keys = list(keys)
    except TypeError:
        raise TypeError(
            f"keys={keys!r} must be a sequence of jax.random.key(...) keys "
            "(e.g. jax.random.split(jax.random.key(0), 3))"
        ) from None
    for i, k in enumerate(keys):
        if not _is_key(k):
            raise TypeError(
                f"keys[{i}]={k!r} is not a JAX random key; use jax.random.key(seed) "
                "(or jax.random.split of one)"
            )
    return keys


def _check_optimizer(tx, num_keys: int) -> None:
    txs = [tx] if isinstance(tx, optax.GradientTransformation) else tx
    if not isinstance(txs, Sequence) or not txs:
        raise TypeError(
            f"tx must be an optax.GradientTransformation (or one per key), got {tx!r}"
        )
    for t in txs:
        if not (
            callable(getattr(t, "init", None)) and callable(getattr(t, "update", None))
        ):
            raise TypeError(
                f"tx must be an optax.GradientTransformation, got {type(t).__name__}"
            )
    if len(txs) not in (1, num_keys):
        raise ValueError(
            f"got {len(txs)} optimizers for {num_keys} keys; pass one optimizer, or one per key"
        )


def _check_pair(name: str, pair) -> None:
    """``(inputs, labels)``: same length, integer labels >= 0, finite float inputs."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(
            f"{name} must be a pair (inputs, labels), got {type(pair).__name__}"
        )
    x, y = pair
    x_shape, y_shape = np.shape(x), np.shape(y)
    if len(x_shape) < 2:
        raise ValueError(
            f"{name} inputs have shape {x_shape}: need (examples, features...)"
        )
    if len(y_shape) != 1:
        raise ValueError(
            f"{name} labels have shape {y_shape}: need one integer class per example"
        )
    if x_shape[0] != y_shape[0]:
        raise ValueError(
            f"{name} inputs and labels differ in length: {x_shape[0]} inputs, {y_shape[0]} labels"
        )
    y_dtype = np.dtype(getattr(y, "dtype", None) or np.asarray(y).dtype)
    if y_dtype == np.bool_ or y_dtype.kind not in "iu":
        raise TypeError(
            f"{name} labels have dtype {y_dtype}: need integer class indices"
        )
    if y_shape[0] and int(jnp.min(jnp.asarray(y))) < 0:
        raise ValueError(
            f"{name} labels include {int(jnp.min(jnp.asarray(y)))}: need >= 0"
        )
    x_dtype = np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)
    if x_dtype.kind == "f" and not bool(jnp.all(jnp.isfinite(jnp.asarray(x)))):
        raise ValueError(f"{name} inputs contain NaN or infinite values")


def _check_labels_fit_outputs(model, train, test, val=None) -> None:
    graphdef, state = nnx.split(model)
    x1 = jnp.asarray(train[0][:2])
    try:
        out = jax.eval_shape(lambda s, x: nnx.merge(graphdef, s)(x), state, x1)
    except Exception as e:  # the model cannot take these inputs: say so with the shapes
        raise ValueError(
            f"the model cannot be applied to train inputs of shape {tuple(np.shape(train[0]))}: "
            f"{type(e).__name__}: {e}"
        ) from e
    if len(out.shape) != 2:
        raise ValueError(
            f"the model's output has shape {out.shape} for a batch of {len(x1)}: "
            "need logits (batch, classes)"
        )
    classes = out.shape[1]
    for name, pair in (("train", train), ("test", test), ("val", val)):
        if pair is not None and len(pair[1]):
            top = int(jnp.max(jnp.asarray(pair[1])))
            if top >= classes:
                raise ValueError(
                    f"{name} labels include {top} but the model has {classes} outputs "
                    f"(labels must be in [0, {classes - 1}])"
                )


def _progress_bar(enabled: bool, total: int, desc: str):
    # tqdm comes with the `experiments` extra
    if importlib.util.find_spec("tqdm") is None:
        from normlab._download import _NoBar

        return _NoBar()
    try:  # a notebook bar where widgets exist (Colab), else text; tqdm.auto warns without them
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm.std import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, leave=False)
