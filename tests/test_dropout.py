"""AlphaDropout: the fixed point's moments kept, Flax's switches, errors, the MLP option."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from normlab.activations import elu, selu, selu_for, selu_parameters
from normlab.models import MLP
from normlab.nn import AlphaDropout, MeanOnlyBatchNorm
from normlab.nn.dropout import alpha_dropout_affine

N = 1_000_000


def _selu_inputs(mean, var, key):
    """selu_{alpha, lambda}(z), z ~ N(mean, var): exactly the fixed point's moments."""
    alpha, lam = selu_parameters(mean, var)
    z = mean + np.sqrt(var) * jax.random.normal(key, (N,))
    return lam * elu(z, alpha)


@pytest.mark.parametrize(
    ("mean", "var", "rate"),
    [(0.0, 1.0, 0.1), (0.0, 1.0, 0.2), (0.0, 4.0, 0.1), (0.5, 1.0, 0.05)],
)
def test_moments_kept_within_4_sigma(mean, var, rate):
    x = _selu_inputs(mean, var, jax.random.key(1))
    y = np.asarray(
        AlphaDropout(rate, mean=mean, var=var, rngs=nnx.Rngs(dropout=2))(x), np.float64
    )
    centred = y - mean
    assert abs(centred.mean()) < 4 * np.sqrt(var / N)
    m4 = np.mean(centred**4)
    assert abs(np.mean(centred**2) - var) < 4 * np.sqrt((m4 - var**2) / N)
    a, b, alpha_prime = alpha_dropout_affine(rate, mean, var)
    dropped = np.isclose(y, a * alpha_prime + b, atol=1e-6)
    assert abs(dropped.mean() - rate) < 4 * np.sqrt(rate * (1 - rate) / N) + 1e-4


def test_standard_dropout_breaks_the_variance():
    x = _selu_inputs(0.0, 1.0, jax.random.key(3))
    y = np.asarray(nnx.Dropout(0.1, rngs=nnx.Rngs(dropout=4))(x))
    assert np.var(y) > 1.05  # 1/q scaling inflates it: (1 + 0)/0.9 ~ 1.11


def test_default_constants_match_the_published_alpha_prime():
    a, b, ap = alpha_dropout_affine(0.05)
    assert ap == pytest.approx(-1.7580993408473766, abs=1e-13)
    q = 0.95
    assert a == pytest.approx((q + ap**2 * q * (1 - q)) ** -0.5, rel=1e-14)
    assert b == pytest.approx(-a * (1 - q) * ap, rel=1e-14)


def test_identity_when_deterministic_or_rate_zero():
    x = jax.random.normal(jax.random.key(0), (8, 5))
    assert (AlphaDropout(0.0, rngs=nnx.Rngs(0))(x) == x).all()
    assert (AlphaDropout(0.3, deterministic=True)(x) == x).all()
    layer = AlphaDropout(0.3, rngs=nnx.Rngs(dropout=0))
    assert not (layer(x) == x).all()
    assert (layer(x, deterministic=True) == x).all()
    layer.eval()
    assert layer.deterministic and (layer(x) == x).all()
    layer.train()
    assert not layer.deterministic and not (layer(x) == x).all()


def test_rate_outside_range_raises_naming_rate():
    for rate in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="rate="):
            AlphaDropout(rate)


def test_missing_rngs_raises():
    with pytest.raises(ValueError, match="rngs"):
        AlphaDropout(0.1)(jnp.ones(3))


def test_broadcast_dims_share_a_mask():
    y = AlphaDropout(0.5, broadcast_dims=(0,), rngs=nnx.Rngs(dropout=0))(
        jnp.zeros((4, 64))
    )
    assert (y == y[0]).all()


def test_mlp_alpha_dropout_option():
    mlp = MLP(
        6,
        3,
        depth=2,
        width=16,
        activation="selu",
        dropout_rate=0.1,
        dropout="alpha",
        rngs=nnx.Rngs(0),
    )
    assert isinstance(mlp.dropout, AlphaDropout)
    custom = MLP(
        6,
        3,
        depth=1,
        width=4,
        dropout_rate=0.1,
        rngs=nnx.Rngs(0),
        dropout=functools.partial(AlphaDropout, mean=0.0, var=4.0),
    )
    assert custom.dropout.var == 4.0
    x = jnp.ones((2, 6))
    mlp.eval()
    assert (mlp(x) == mlp(x)).all()
    with pytest.raises(ValueError, match="dropout="):
        MLP(
            6,
            3,
            depth=1,
            width=4,
            dropout_rate=0.1,
            dropout="gaussian",
            rngs=nnx.Rngs(0),
        )


class _Mixed(nnx.Module):
    def __init__(self, rngs):
        self.l1 = nnx.Linear(6, 8, rngs=rngs)
        self.bn = nnx.BatchNorm(8, rngs=rngs)
        self.adrop = AlphaDropout(0.3, rngs=rngs)
        self.l2 = nnx.Linear(8, 8, rngs=rngs)
        self.mobn = MeanOnlyBatchNorm(8, rngs=rngs)
        self.drop = nnx.Dropout(0.3, rngs=rngs)

    def __call__(self, x):
        h = self.adrop(selu(self.bn(self.l1(x))))
        return self.drop(self.mobn(self.l2(h)))


def test_eval_view_of_a_mixed_model_is_deterministic():
    model = _Mixed(nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(1), (16, 6))
    view = nnx.view(model, deterministic=True, use_running_average=True)
    assert view.adrop.deterministic and view.mobn.use_running_average
    np.testing.assert_array_equal(view(x), view(x))
    # the running statistics are used, not the batch's: one example gives the same row
    np.testing.assert_allclose(view(x[:1]), view(x)[:1], rtol=1e-6, atol=1e-6)
    # the original model is untouched and still stochastic
    assert not model.adrop.deterministic and not model.mobn.use_running_average
    assert not np.array_equal(model(x), model(x))
    info = nnx.view_info(model)
    assert "AlphaDropout:\n  deterministic: bool | None = None" in info
    assert "MeanOnlyBatchNorm:\n  use_running_average: bool | None = None" in info


def test_selu_and_its_alpha_dropout_share_the_fixed_point():
    act = selu_for(0.0, 2.0)
    drop = act.alpha_dropout(0.1, rngs=nnx.Rngs(dropout=0))
    a, b, ap = alpha_dropout_affine(0.1, 0.0, 2.0)
    assert (drop.a, drop.b, drop.alpha_prime) == (a, b, ap)
    assert ap == -act.lam * act.alpha
    with pytest.raises(TypeError, match="var= is fixed by the SELU"):
        act.alpha_dropout(0.1, var=1.0)
