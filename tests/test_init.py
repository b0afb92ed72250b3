"""data_dependent_init: standardised pre-activations on the init batch, on MLPs and ConvNets."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from normlab.init import data_dependent_init, preactivation_moments
from normlab.models import MLP, ConvPoolCNNC
from normlab.nn import WeightNorm


def _assert_standardised(stats, layers=None):
    for s in stats:
        if layers is not None and s["layer"] not in layers:
            continue
        np.testing.assert_allclose(s["mean"], 0.0, atol=1e-5, err_msg=s["layer"])
        np.testing.assert_allclose(s["std"], 1.0, atol=1e-5, err_msg=s["layer"])


@pytest.mark.parametrize("parameterization", ["normal", "weight_norm"])
def test_mlp_preactivations_standardised(parameterization):
    mlp = MLP(
        12, 5, depth=2, width=16, parameterization=parameterization, rngs=nnx.Rngs(0)
    )
    x = 3.0 * jax.random.normal(jax.random.key(1), (200, 12)) + 1.0
    before = preactivation_moments(mlp, x)
    assert (
        max(float(jnp.abs(s["std"] - 1).max()) for s in before) > 0.1
    )  # not already so
    paths = data_dependent_init(mlp, x)
    assert paths == ["hidden/0", "hidden/1", "out"]
    _assert_standardised(preactivation_moments(mlp, x))
    if parameterization == "weight_norm":  # g = 1/std(v.x/||v||) from g = ||v||
        assert all(isinstance(layer, WeightNorm) for layer in mlp.hidden)


@pytest.mark.parametrize("parameterization", ["normal", "weight_norm"])
def test_convnet_preactivations_standardised(parameterization):
    net = ConvPoolCNNC(
        10, width=0.05, parameterization=parameterization, rngs=nnx.Rngs(0)
    )
    x = jax.random.normal(
        jax.random.key(1), (8, 12, 12, 3)
    )  # 12 -> 6 -> 3 -> 1 (valid)
    paths = data_dependent_init(net, x)
    assert len(paths) == 10
    _assert_standardised(preactivation_moments(net, x))
    assert net.noise.deterministic is False and net.dropout.deterministic is False


@pytest.mark.parametrize(
    "parameterization", ["weight_norm_mean_only", "mean_only_batch_norm"]
)
def test_mean_only_convnet_scale_set_and_norm_state_restored(parameterization):
    net = ConvPoolCNNC(
        10, width=0.05, parameterization=parameterization, rngs=nnx.Rngs(0)
    )
    x = jax.random.normal(
        jax.random.key(1), (8, 12, 12, 3)
    )  # 12 -> 6 -> 3 -> 1 (valid)
    assert (
        len(data_dependent_init(net, x)) == 10
    )  # the 9 convolutions and the output layer
    stats = preactivation_moments(net, x)
    for s in stats:  # no bias anywhere: std 1, the mean is the norm's to remove
        np.testing.assert_allclose(s["std"], 1.0, atol=1e-5)
    for norm in [*net.norms, net.out_norm]:
        np.testing.assert_array_equal(norm.mean[...], 0.0)  # running means restored
    logits = net(
        x
    )  # train mode: the output's mean-only norm centres the logits on the batch
    np.testing.assert_allclose(logits.mean(0), 0.0, atol=1e-5)


def test_init_pass_with_dropout_on_sees_the_training_variance():
    """Inverted dropout at rate p multiplies Var(v.x/||v||) by 1/(1-p) for x ~ N(0, I).

    The init pass with dropout on (the weight-normalization authors' pass) so
    sets g ~ sqrt(1-p), and the output without dropout has std ~ sqrt(1-p)
    (0.71 at p = 0.5); without dropout in the pass it is 1.
    """

    class DropThenDense(nnx.Module):
        def __init__(self, rngs):
            self.drop = nnx.Dropout(0.5, rngs=rngs)
            self.dense = WeightNorm(nnx.Linear(256, 4, rngs=rngs))

        def __call__(self, x):
            return self.dense(self.drop(x))

    x = jax.random.normal(jax.random.key(0), (4000, 256))
    for deterministic, expected in ((True, 1.0), (False, np.sqrt(0.5))):
        net = DropThenDense(nnx.Rngs(0))
        data_dependent_init(net, x, deterministic=deterministic)
        assert net.drop.deterministic is False  # the flags are restored
        net.eval()
        # std over 4000 examples: relative error ~ 1/sqrt(2 * 4000) = 0.011; the dropout
        # variance factor 1/(1-p) itself is estimated over 256 x 4000 masks
        np.testing.assert_allclose(net(x).std(0), expected, rtol=0.05)
    with pytest.raises(TypeError, match="deterministic must be a bool"):
        data_dependent_init(DropThenDense(nnx.Rngs(0)), x, deterministic="yes")


def test_paper_formula_from_unit_g():
    """From g = 1, b = 0 the pass sets g = 1/std(t), b = -mean(t)/std(t), t = v.x/||v||."""
    wn = WeightNorm(nnx.Linear(4, 3, rngs=nnx.Rngs(0)), g_init="ones")
    x = jax.random.normal(jax.random.key(2), (50, 4)) + 0.5
    v = wn.v
    t = x @ (v / jnp.linalg.norm(v, axis=0))
    data_dependent_init(wn, x)
    np.testing.assert_allclose(wn.g[...], 1 / t.std(0), rtol=1e-5)
    np.testing.assert_allclose(
        wn.bias[...], -t.mean(0) / t.std(0), rtol=1e-4, atol=1e-6
    )


def test_nothing_to_initialise():
    class Bare(nnx.Module):
        def __call__(self, x):
            return x

    x = jax.random.normal(jax.random.key(0), (2, 3))
    with pytest.raises(ValueError, match="no WeightNorm, nnx.Linear or nnx.Conv"):
        data_dependent_init(Bare(), x)
    mlp = MLP(3, 2, depth=1, width=4, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="include_plain=True"):
        data_dependent_init(mlp, x, include_plain=False)


def test_layer_called_twice_is_rejected():
    class Twice(nnx.Module):
        def __init__(self):
            self.a = nnx.Linear(3, 3, rngs=nnx.Rngs(0))
            self.b = nnx.Linear(3, 3, rngs=nnx.Rngs(1))

        def __call__(self, x):
            return self.b(self.a(self.a(x)))

    model = Twice()
    with pytest.raises(ValueError, match="called twice"):
        data_dependent_init(model, jax.random.normal(jax.random.key(0), (4, 3)))
    assert isinstance(model.a, nnx.Linear)  # the taps are removed again
