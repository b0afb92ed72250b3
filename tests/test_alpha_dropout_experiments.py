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
    w = np.asarray(alpha_dropout.torch_default_init(fan_in)(jax.random.key(0), (fan_in, 500)))
    bound = 1 / np.sqrt(fan_in)
    assert np.abs(w).max() <= bound
    # U(-b, b): variance b^2/3; the sample variance of 2e5 draws has relative s.e. ~ 0.2 %
    assert abs(w.var() / (bound**2 / 3) - 1) < 0.02


def test_relu_net_gets_torch_init_selu_net_zero_biases():
    kw = dict(channels=[], hidden=[64], rate=0.05, make_dropout=AlphaDropout)
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
    selu = alpha_dropout.TutorialNet(
        (8, 8, 1),
        10,
        activation="selu",
        kernel_init="lecun_normal_untruncated",
        rngs=nnx.Rngs(0),
        **kw,
    )
    assert np.all(np.asarray(selu.dense[0].bias[...]) == 0)
