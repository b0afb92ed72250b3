"""Smoke tests of the chapter "From ELU to SELU"'s experiments at the smallest size (real data)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import normlab
from normlab import experiments, train
from normlab.experiments import snn_depth


def _run(name, **overrides):
    return normlab.run_experiment(name, seeds=[0], overrides=overrides, use_cache=False)


def test_snn_moment_map_gives_the_papers_norm():
    r = _run("snn_moment_map", grid=3)
    assert r.summary["spectral_norm"] == pytest.approx(0.7877, abs=5e-5)
    assert np.shape(r.metrics["g_mu"]) == (3, 3)


def test_snn_moments_depth(with_data):
    r = _run("snn_moments_depth", depth=3, width=16, num_inputs=64)
    assert set(r.metrics["mean"]) == {"selu", "relu", "selu + BN", "relu + BN"}
    assert np.shape(r.metrics["var"]["selu"]) == (1, 3)
    # ReLU outputs are non-negative, so their mean is positive at every layer
    assert np.all(np.asarray(r.metrics["mean"]["relu"]) > 0)


def test_elu_mnist(with_data):
    r = _run(
        "elu_mnist",
        activations=["elu", "srelu"],
        depth=2,
        width=16,
        num_train=600,
        num_val=100,
        epochs=1,
        probe_size=50,
    )
    c = r.metrics["curves"]["srelu"]
    assert (
        len(c["train_loss"][0])
        == len(c["val_loss"][0])
        == len(c["median_activation"][0])
        == 2
    )
    assert c["train_loss"][0][1] < c["train_loss"][0][0]


def test_snn_depth(with_data):
    r = _run(
        "snn_depth",
        datasets=["mnist"],
        depths=[2],
        width=16,
        num_train={"mnist": 256},
        epochs=2,
    )
    assert set(r.metrics["train_loss"]) == {"mnist/snn/2", "mnist/bn/2"}
    assert len(r.metrics["train_loss"]["mnist/snn/2"][0]) == 3  # start + 2 epochs
    assert np.isfinite(r.summary["final_train_loss"]["mnist/bn/2"]).all()
    # the BN net's eval-mode curve is kept beside its batch-statistics one, and differs
    assert set(r.metrics["train_loss_eval_mode"]) == {"mnist/bn/2"}
    assert (
        r.metrics["train_loss_eval_mode"]["mnist/bn/2"]
        != r.metrics["train_loss"]["mnist/bn/2"]
    )


def test_snn_depth_rejects_an_unknown_setup():
    config = snn_depth.get_config("small")
    with pytest.raises(ValueError, match="loss_mode"):
        snn_depth.run({**config, "loss_mode": "running"}, seeds=[0])
    with pytest.raises(ValueError, match="standardize"):
        snn_depth.run({**config, "standardize": "per_channel"}, seeds=[0])


def test_standardize_per_feature_gives_each_feature_mean_0_and_variance_1():
    rng = np.random.default_rng(0)
    train_x = rng.integers(0, 256, size=(500, 4, 4, 3), dtype=np.uint8)
    train_x[:, 0, 0, :] = (
        17  # a constant feature stays 0, as with sklearn's StandardScaler
    )
    test_x = rng.integers(0, 256, size=(7, 4, 4, 3), dtype=np.uint8)
    test_x[:, 0, 0, :] = 17
    xt, xv = snn_depth.standardize_per_feature(train_x, test_x)
    assert xt.shape == train_x.shape and xt.dtype == np.float32
    flat = xt.reshape(500, -1)[:, 3:]
    np.testing.assert_allclose(flat.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(flat.std(0), 1.0, atol=1e-5)
    assert np.all(xt[:, 0, 0, :] == 0.0) and np.all(xv[:, 0, 0, :] == 0.0)
    # the test set uses the training set's statistics, per feature (not per channel)
    f = train_x[:, 1, 2, 0] / 255.0
    np.testing.assert_allclose(
        xv[:, 1, 2, 0], (test_x[:, 1, 2, 0] / 255.0 - f.mean()) / f.std(), 1e-5
    )


def _bn_net(key=0):
    return snn_depth.make_net("bn", 5, depth=2, width=6, key=jax.random.key(key))


def test_batch_stat_loss_normalizes_each_batch_with_its_own_statistics():
    rng = np.random.default_rng(1)
    # inputs far from mean 0 / variance 1, so running averages (init 0 and 1) and batch
    # statistics give different losses
    x = jnp.asarray(3.0 + 2.0 * rng.normal(size=(12, 5)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, size=12), jnp.int32)
    model = _bn_net()
    before = jax.tree.map(np.asarray, nnx.state(model, nnx.BatchStat))
    got = snn_depth.batch_stat_loss(model, x, y, 4)
    # reference: the same net in training mode, one batch of 4 at a time, in Python
    ref = []
    for i in range(3):
        m = nnx.clone(model)
        m.train()
        logits = m(x[4 * i : 4 * i + 4])
        ref.append(
            optax.softmax_cross_entropy_with_integer_labels(
                logits, y[4 * i : 4 * i + 4]
            )
        )
    np.testing.assert_allclose(
        float(got), float(jnp.concatenate(ref).mean()), rtol=1e-5
    )
    assert abs(float(got) - train.evaluate(model, (x, y))["loss"]) > 1e-3
    after = jax.tree.map(np.asarray, nnx.state(model, nnx.BatchStat))
    assert jax.tree.all(
        jax.tree.map(np.array_equal, before, after)
    )  # running stats untouched
    # the last partial batch is dropped, as the authors' generate_minibatches
    np.testing.assert_allclose(
        float(snn_depth.batch_stat_loss(model, x[:11], y[:11], 4)),
        float(jnp.concatenate(ref[:2]).mean()),
        rtol=1e-5,
    )


def test_batch_stat_loss_of_a_net_without_batch_norm_is_its_eval_loss():
    rng = np.random.default_rng(2)
    x = jnp.asarray(rng.normal(size=(16, 5)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, size=16), jnp.int32)
    snn = snn_depth.make_net("snn", 5, depth=3, width=6, key=jax.random.key(0))
    np.testing.assert_allclose(
        float(snn_depth.batch_stat_loss(snn, x, y, 8)),
        train.evaluate(snn, (x, y))["loss"],
        1e-5,
    )


def test_selu_vs_bn(with_data):
    r = _run(
        "selu_vs_bn",
        datasets=["mnist"],
        archs={"mlp": {"depths": [2], "width": 16}, "cnn": {"depths": [2], "width": 4}},
        lrs=[0.1, 1e4],
        num_train=600,
        num_test=200,
        epochs=2,
    )
    acc, sel = r.summary["test_accuracy"], r.summary["selection"]
    assert set(acc) == {
        f"mnist/{a}-2/{n}" for a in ("mlp", "cnn") for n in ("selu", "relu_bn")
    }
    for k, s in sel.items():  # the selected rate is one where no seed diverged
        assert s["diverged"][[0.1, 1e4].index(s["lr"])] == 0 and len(acc[k]) == 1
    # without batch norm lr 1e4 blows the SELU MLP up: recorded, and 0.1 is selected
    assert (
        sel["mnist/mlp-2/selu"]["diverged"] == [0, 1]
        and sel["mnist/mlp-2/selu"]["lr"] == 0.1
    )
    assert 0.3 < acc["mnist/mlp-2/selu"][0] <= 1.0
    h = r.metrics["histories"]["mnist/mlp-2/selu"][0]
    assert len(h["extra"]["val_accuracy"]) == 2
    assert len(experiments.get("selu_vs_bn").figure(r).axes) == 1


def test_selu_vs_bn_selects_on_validation_and_reads_test_at_the_best_epoch():
    from normlab.experiments.selu_vs_bn import select

    def h(val, test, diverged=None):
        return {
            "extra": {"val_accuracy": val},
            "test_accuracy": test,
            "diverged_at": diverged,
        }

    runs = [  # (lr, seed), seed fastest: lr 0.1 has the best mean validation accuracy
        h([0.5, 0.6], [0.9, 0.9]),
        h([0.5, 0.7], [0.9, 0.9]),
        h([0.8, 0.7], [0.60, 0.99]),
        h([0.6, 0.9], [0.70, 0.75]),
        h([0.99, 0.99], [0.99, 0.99]),
        h(
            [0.1, 0.1], [0.1, 0.1], diverged=3
        ),  # lr 1.0: one seed diverged, not eligible
    ]
    s = select(runs, [0.01, 0.1, 1.0], 2)
    assert s["lr"] == 0.1 and s["test_accuracy"] == [0.60, 0.75] and not s["at_edge"]
    assert s["diverged"] == [0, 0, 1]
    with pytest.raises(ValueError, match="6 histories for 2 rates x 2 seeds"):
        select(runs, [0.01, 0.1], 2)


def test_selu_vs_bn_answer_puts_each_setting_in_one_clause_by_its_gap_and_spread():
    from normlab.experiments.selu_vs_bn import answer

    def row(setting, gap, within):
        return {"setting": setting, "gap": gap, "within_noise": within}

    rows = [
        row("mnist/mlp-8", 1.5, False),
        row("mnist/cnn-4", -2.0, False),
        row("cifar10/mlp-8", -0.3, True),  # behind, but within the seeds' spread
        row("cifar10/cnn-4", 0.8, False),
    ]
    assert answer(rows) == (
        "SELU is ahead in mnist/mlp-8, cifar10/cnn-4; ReLU + BN is ahead in "
        "mnist/cnn-4; the two are within their seeds' spread in cifar10/mlp-8"
    )
    assert answer(rows[1:2]) == "ReLU + BN is ahead in mnist/cnn-4"
    with pytest.raises(ValueError, match="rows is empty"):
        answer([])
