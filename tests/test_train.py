"""The training loop: determinism, vmapped seeds, scan vs step, divergence, state write-back."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from normlab import train
from normlab.models import MLP


def _toy(n=512, d=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int32)
    return x, y


def _mlp(key, **kw):
    return MLP(8, 2, depth=2, width=16, rngs=nnx.Rngs(key), **kw)


def _fit(key=0, **kw):
    x, y = _toy()
    args = dict(
        epochs=3,
        batch_size=64,
        key=jax.random.key(key),
        test=_toy(256, seed=1),
        progress=False,
    )
    args.update(kw)
    return train.fit(_mlp(0), optax.adam(1e-2), (x, y), **args)


def test_same_key_same_history_bit_for_bit():
    a, b = _fit(), _fit()
    assert a.train_loss == b.train_loss and a.test_accuracy == b.test_accuracy
    assert _fit(key=1).train_loss != a.train_loss  # the key does drive the shuffling


def test_history_shapes_and_learning():
    h = _fit(epochs=4)
    assert h.epoch == [1, 2, 3, 4] and h.steps_per_epoch == 512 // 64
    assert len(h.train_loss) == len(h.test_accuracy) == 4
    assert h.train_loss[-1] < h.train_loss[0] and h.test_accuracy[-1] > 0.9
    assert set(h.initial) == {"test_loss", "test_accuracy"}


def test_scan_and_step_give_the_same_history():
    scanned, stepped = _fit(scan=True), _fit(scan=False)
    np.testing.assert_allclose(scanned.train_loss, stepped.train_loss, rtol=1e-5)
    np.testing.assert_allclose(scanned.test_loss, stepped.test_loss, rtol=1e-5)


def test_vmapped_seeds_equal_separate_runs():
    x, y = _toy()
    keys = jax.random.split(jax.random.key(3), 3)
    common = dict(epochs=2, batch_size=64, test=_toy(256, seed=1), progress=False)
    make = lambda k: _mlp(k, normalization="batch", dropout_rate=0.2)  # noqa: E731
    # plain SGD: Adam would amplify float rounding (batched vs single matmuls) in parameters
    # whose gradient is exactly zero, e.g. a bias feeding batch norm
    together = train.fit_seeds(make, optax.sgd(0.1), (x, y), keys=keys, **common)
    for k, h in zip(keys, together):
        alone = train.fit_seeds(make, optax.sgd(0.1), (x, y), keys=[k], **common)[0]
        np.testing.assert_allclose(h.train_loss, alone.train_loss, rtol=2e-5)
        np.testing.assert_allclose(h.test_loss, alone.test_loss, rtol=2e-5)
    assert together[0].train_loss != together[1].train_loss


def test_compiles_once_across_epochs(monkeypatch):
    traces = {"scan": 0, "step": 0, "eval": 0}
    for name, attr in (
        ("scan", "_scan_one"),
        ("step", "_step_one"),
        ("eval", "_eval_one"),
    ):
        original = getattr(train._Loop, attr)

        def counted(self, *a, _orig=original, _name=name, **kw):
            traces[_name] += 1
            return _orig(self, *a, **kw)

        monkeypatch.setattr(train._Loop, attr, counted)
    _fit(epochs=4, scan=True)
    assert traces == {"scan": 1, "step": 0, "eval": 1}
    _fit(epochs=2, scan=False)
    assert traces == {"scan": 1, "step": 1, "eval": 2}


def test_divergence_names_epoch_and_step():
    x, y = _toy()
    with pytest.raises(train.DivergenceError, match=r"epoch 1, step \d+ of 8"):
        train.fit(
            _mlp(0),
            optax.sgd(1e8),
            (x * 1e3, y),
            epochs=2,
            batch_size=64,
            key=jax.random.key(0),
            progress=False,
        )


def test_trained_state_is_written_back_to_the_model():
    x, y = _toy()
    model = _mlp(0, normalization="batch")
    before = np.asarray(model.hidden[0].kernel[...])
    h = train.fit(
        model,
        optax.sgd(0.1),
        (x, y),
        epochs=2,
        batch_size=64,
        key=jax.random.key(0),
        test=(x, y),
        progress=False,
    )
    assert not np.allclose(before, model.hidden[0].kernel[...])
    assert not np.allclose(
        model.norms[0].mean[...], 0.0
    )  # running statistics were updated
    # the model evaluates (eval mode, running averages) exactly as the loop did
    assert abs(train.evaluate(model, (x, y))["accuracy"] - h.test_accuracy[-1]) < 1e-6


def test_evaluate_closed_form():
    model = MLP(
        3,
        5,
        depth=0,
        width=1,
        bias_init=nnx.initializers.zeros_init(),
        kernel_init=nnx.initializers.zeros_init(),
        rngs=nnx.Rngs(0),
    )
    out = train.evaluate(
        model, (np.ones((7, 3), np.float32), np.arange(7) % 5), batch_size=3
    )
    assert abs(out["loss"] - np.log(5)) < 1e-6  # uniform logits: loss = log(classes)
    assert (
        abs(out["accuracy"] - 2 / 7) < 1e-6
    )  # argmax of a tie is class 0: labels 0 at 0 and 5


def test_metrics_function_is_recorded_per_epoch():
    def metrics(model):
        return {"kernel_norm": jnp.linalg.norm(model.out.kernel[...])}

    h = _fit(epochs=2, metrics=metrics)
    assert len(h.extra["kernel_norm"]) == 2 and "kernel_norm" in h.initial


def test_validation_set_is_evaluated_like_the_test_set():
    """The same set passed as ``val`` and as ``test`` gives the same numbers every epoch."""
    held_out = _toy(256, seed=1)
    h = _fit(epochs=2, val=held_out)
    assert (
        h.extra["val_accuracy"] == h.test_accuracy
        and h.extra["val_loss"] == h.test_loss
    )
    assert h.initial["val_accuracy"] == h.initial["test_accuracy"]
    with pytest.raises(ValueError, match="val labels include 7"):
        _fit(epochs=1, val=(held_out[0], np.full(256, 7, np.int32)))


def test_a_diverging_rate_is_recorded_and_the_others_train_on():
    x, y = _toy()
    txs = [optax.inject_hyperparams(optax.sgd)(learning_rate=lr) for lr in (0.1, 1e6)]
    keys = jax.random.split(jax.random.key(0), 2)
    kw = dict(keys=keys, epochs=2, batch_size=64, progress=False)
    with pytest.raises(train.DivergenceError, match="seed index 1"):
        train.fit_seeds(_mlp, txs, (x, y), **kw)
    ok, blown = train.fit_seeds(_mlp, txs, (x, y), on_divergence="record", **kw)
    assert ok.diverged_at is None and np.isfinite(ok.train_loss).all()
    assert 1 <= blown.diverged_at <= 2 * 8 and not np.isfinite(blown.train_loss[-1])
    with pytest.raises(ValueError, match="on_divergence='skip'"):
        train.fit_seeds(_mlp, txs, (x, y), on_divergence="skip", **kw)


def test_bad_arguments():
    x, y = _toy()
    with pytest.raises(ValueError, match="batch_size=0"):
        train.fit(
            _mlp(0),
            optax.sgd(0.1),
            (x, y),
            epochs=1,
            batch_size=0,
            key=jax.random.key(0),
        )
    with pytest.raises(ValueError, match="epochs=0"):
        train.fit(
            _mlp(0),
            optax.sgd(0.1),
            (x, y),
            epochs=0,
            batch_size=8,
            key=jax.random.key(0),
        )


def test_learning_rates_as_one_program_equal_separate_runs():
    x, y = _toy()
    lrs = [0.03, 0.3]
    txs = [optax.inject_hyperparams(optax.sgd)(learning_rate=lr) for lr in lrs]
    key = jax.random.key(5)
    common = dict(epochs=2, batch_size=64, progress=False)
    swept = train.fit_seeds(_mlp, txs, (x, y), keys=[key, key], **common)
    for lr, h in zip(lrs, swept):
        alone = train.fit_seeds(_mlp, optax.sgd(lr), (x, y), keys=[key], **common)[0]
        np.testing.assert_allclose(h.train_loss, alone.train_loss, rtol=2e-5)
    assert swept[0].train_loss != swept[1].train_loss
    with pytest.raises(ValueError, match="got 2 optimizers for 1 keys"):
        train.fit_seeds(_mlp, txs, (x, y), keys=[key], **common)


_SHARDED = """
import jax, numpy as np, optax
from flax import nnx
from normlab import train
from normlab.models import MLP
assert jax.device_count() == 4
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype(np.float32); y = (x[:, 0] > 0).astype(np.int32)
make = lambda k: MLP(8, 2, depth=1, width=8, rngs=nnx.Rngs(k))
keys = jax.random.split(jax.random.key(0), 4)
loop_shardings = []
orig = train._Loop.__init__
def spy(self, *a, **k):
    orig(self, *a, **k)
    loop_shardings.append(len(jax.tree.leaves(self.params)[0].sharding.device_set))
train._Loop.__init__ = spy
hs = train.fit_seeds(make, optax.sgd(0.1), (x, y), keys=keys, epochs=2, batch_size=32,
                     progress=False)
print(loop_shardings[0], repr([h.train_loss for h in hs]))
"""


def test_seeds_are_sharded_across_devices():
    import ast
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        XLA_FLAGS="--xla_force_host_platform_device_count=4",
        JAX_PLATFORMS="cpu",
    )
    out = subprocess.run(
        [sys.executable, "-c", _SHARDED],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(" ", 1)
    assert out[0] == "4"  # the parameters of the 4 seeds live on 4 devices
    sharded = ast.literal_eval(out[1])
    x = np.random.default_rng(0).normal(size=(256, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    single = train.fit_seeds(
        lambda k: MLP(8, 2, depth=1, width=8, rngs=nnx.Rngs(k)),
        optax.sgd(0.1),
        (x, y),
        keys=jax.random.split(jax.random.key(0), 4),
        epochs=2,
        batch_size=32,
        progress=False,
    )
    np.testing.assert_allclose(sharded, [h.train_loss for h in single], rtol=1e-5)
