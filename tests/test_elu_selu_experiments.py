"""Smoke tests of the chapter "From ELU to SELU"'s experiments at the smallest size (real data)."""

import numpy as np
import pytest

import normlab


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
    assert len(c["train_loss"][0]) == len(c["val_loss"][0]) == len(c["median_activation"][0]) == 2
    assert c["train_loss"][0][1] < c["train_loss"][0][0]


def test_snn_depth(with_data):
    r = _run(
        "snn_depth", datasets=["mnist"], depths=[2], width=16, num_train={"mnist": 256}, epochs=2
    )
    assert set(r.metrics["train_loss"]) == {"mnist/snn/2", "mnist/bn/2"}
    assert len(r.metrics["train_loss"]["mnist/snn/2"][0]) == 3  # start + 2 epochs
    assert np.isfinite(r.summary["final_train_loss"]["mnist/bn/2"]).all()


def test_selu_vs_bn(with_data):
    r = _run(
        "selu_vs_bn",
        datasets=["mnist"],
        depth=2,
        width=16,
        num_train=512,
        num_test=200,
        lr=0.1,
        epochs=2,
    )
    acc = r.summary["test_accuracy"]
    assert set(acc) == {"mnist/selu", "mnist/relu_bn"}
    assert all(0.3 < a[0] <= 1.0 for a in acc.values())  # well above chance (0.1) after 8 steps
