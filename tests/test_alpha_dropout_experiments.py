"""The alpha-dropout experiment's setup: the tutorials' rate and PyTorch's default init."""

import jax
import numpy as np
from flax import nnx

from normlab.experiments import alpha_dropout
from normlab.nn import AlphaDropout


def test_config_follows_the_tutorial_rate():
    for profile in ("small", "full"):
        assert alpha_dropout.get_config(profile)["rate"] == 0.05


def test_torch_default_init_bound_and_variance():
    fan_in = 400
    w = np.asarray(
        alpha_dropout.torch_default_init(fan_in)(jax.random.key(0), (fan_in, 500))
    )
    bound = 1 / np.sqrt(fan_in)
    assert np.abs(w).max() <= bound
    # U(-b, b): variance b^2/3; the sample variance of 2e5 draws has relative s.e. ~ 0.2 %
    assert abs(w.var() / (bound**2 / 3) - 1) < 0.02


def test_relu_net_gets_torch_init_selu_net_constant_biases():
    kw = dict(convs=[], hidden=[64], rate=0.05, make_dropout=AlphaDropout)
    relu = alpha_dropout.TutorialNet(
        (8, 8, 1),
        10,
        activation="relu",
        kernel_init="lecun_normal_untruncated",
        torch_init=True,
        rngs=nnx.Rngs(0),
        **kw,
    )
    b = np.asarray(relu.dense[0].bias[...])
    assert np.abs(b).max() <= 1 / 8 and np.abs(b).max() > 0  # fan-in 64: bound 1/8
    for bias in (0.0, 0.1):
        selu = alpha_dropout.TutorialNet(
            (8, 8, 1),
            10,
            activation="selu",
            kernel_init="lecun_normal_untruncated",
            bias=bias,
            rngs=nnx.Rngs(0),
            **kw,
        )
        assert np.all(np.asarray(selu.dense[0].bias[...]) == np.float32(bias))


def test_tutorial_cnn_has_the_tutorials_layers_and_no_dropout():
    cfg = alpha_dropout.get_config("full")
    assert cfg["cifar10_variants"] == ["selu_none", "relu_none"]
    assert cfg["mnist_variants"] == ["selu_alpha", "relu_standard"]
    net = alpha_dropout.TutorialNet(
        (32, 32, 3),
        10,
        convs=cfg["cifar10_convs"],
        hidden=cfg["cifar10_hidden"],
        activation="selu",
        kernel_init="lecun_normal_untruncated",
        rngs=nnx.Rngs(0),
    )
    # 32 -conv5-> 28 -pool-> 14 -conv3-> 12 -pool-> 6 -conv3-> 4: the tutorial's 128*4*4 inputs
    assert net.dense[0].kernel.shape == (128 * 4 * 4, 2048)
    assert [c.kernel.shape for c in net.convs] == [
        (5, 5, 3, 128),
        (3, 3, 128, 128),
        (3, 3, 128, 128),
    ]
    assert len(net.drops) == 0
    x = jax.random.normal(jax.random.key(1), (2, 32, 32, 3))
    assert net(x).shape == (2, 10)


def test_unknown_dropout_in_a_variant_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="dropout 'gauss'"):
        alpha_dropout._variant("selu_gauss")


def test_dropout_regularization_trains_every_variant_and_records_the_fit(with_data):
    import normlab
    from normlab.experiments import dropout_regularization

    r = normlab.run_experiment(
        "dropout_regularization",
        seeds=[0, 1],
        use_cache=False,
        overrides={
            "depth": 2,
            "width": 16,
            "rates": [0.1],
            "num_train": 512,
            "num_val": 128,
            "num_test": 256,
            "epochs": 2,
        },
    )
    assert set(r.summary) == {"none", "alpha@0.1", "standard@0.1", "final_train_loss"}
    assert (
        all(0 <= a <= 1 for a in r.summary["alpha@0.1"]) and len(r.summary["none"]) == 2
    )
    assert np.isfinite(r.summary["final_train_loss"]["standard@0.1"]).all()
    fig = dropout_regularization.figure(r)
    assert len(fig.axes) == 2


def test_dropout_regularization_rejects_a_rate_outside_0_1():
    import pytest

    from normlab.experiments import dropout_regularization

    with pytest.raises(ValueError, match="rates: 1.5 is outside"):
        dropout_regularization.variants({"rates": [0.1, 1.5]})
