"""The shattered-gradients statistics: centred autocorrelation and correlation at many lags."""

import numpy as np
import pytest

from normlab import diagnostics as D


def test_centred_autocorrelation_sees_fluctuations_under_a_large_mean():
    rng = np.random.default_rng(0)
    g = 10.0 + rng.normal(size=(4, 512))  # white fluctuations around a large mean
    assert D.autocorrelation(g, 1)[1] > 0.98  # uncentred: dominated by the mean
    assert abs(D.autocorrelation(g, 1, center=True)[1]) < 4 / np.sqrt(g.size)  # 4 sigma
    with pytest.raises(ValueError, match="constant"):
        D.autocorrelation(np.ones(8), 2, center=True)


def test_lagged_correlation_of_independent_gradients_is_zero_and_of_linear_ones_one():
    rng = np.random.default_rng(1)
    white = rng.normal(size=(16, 256))
    c = D.lagged_correlation(white, [1, 8, 128])
    assert (np.abs(c["correlation"]) < 4 * c["stderr"] + 1e-3).all()
    const = np.tile(rng.normal(size=(16, 1)), (1, 256))
    np.testing.assert_allclose(
        D.lagged_correlation(const, [1, 100])["correlation"], 1.0
    )
    with pytest.raises(ValueError, match="lags"):
        D.lagged_correlation(white, [256])


def _lagged(values, stderr=0.01, lags=(1, 64, 128), counts=None):
    """A synthetic ``summary["lagged"]`` entry: depth -> correlations at ``lags``
    (and Theorem 1's count, if ``counts`` gives one per depth)."""
    out = {
        str(d): {
            "lags": list(lags),
            "correlation": list(c),
            "stderr": [stderr] * len(lags),
        }
        for d, c in values.items()
    }
    for d, count in (counts or {}).items():
        out[str(d)]["count"] = list(count)
    return out


def _judge(index, lagged, points=256):
    from normlab.experiments.shattered_gradients import CLAIMS
    from normlab.results import Result

    r = Result("demo", "small", {"points": points}, [0], {}, {"lagged": lagged})
    return CLAIMS[index].judge(r)


def test_theorem1_rule_needs_decay_to_white_noise_and_the_count_at_every_lag():
    depths = (1, 2, 4, 8, 16)
    near = dict(zip(depths, (0.99, 0.9, 0.6, 0.2, 0.0)))
    exact = {d: (near[d], 2.0**-d, 2.0**-d) for d in depths}

    def judge(values, counts=exact):
        return _judge(0, {"feedforward + BN": _lagged(values, counts=counts)})

    text, verdict = judge(exact)
    assert verdict == "reproduced" and "at 15 of 15 (depth, lag)" in text
    # decorrelated faster than the count (0 against 1/16 at L=4, lag 64): partly
    fast = {**exact, 4: (0.6, 0.0, 0.0625)}
    text, verdict = judge(fast)
    assert verdict == "partly" and "farthest L=4, lag 64: 0.000" in text
    # neighbours are judged too: 0.3 against a count of 0.6 at L=4
    text, verdict = judge({**exact, 4: (0.3, 0.0625, 0.0625)})
    assert verdict == "partly" and "farthest L=4, lag 1: 0.300" in text
    # |correlation| that rises again at depth 8 beyond noise is not a decay
    rises = {**exact, 8: (0.7, 2.0**-8, 2.0**-8)}
    text, verdict = judge(rises, rises)
    assert verdict == "partly" and "every lag: no" in text
    # -0.2 then 0.0: |c| falls though c rises, as shattering does around zero
    signs = {**exact, 8: (-0.2, 0.0, 0.0), 16: (0.0, 0.0, 0.0)}
    assert judge(signs, signs)[1] == "reproduced"
    # still correlated at the deepest depth: not white noise
    stuck = {**exact, 16: (0.15, 2.0**-16, 2.0**-16)}
    text, verdict = judge(stuck, stuck)
    assert verdict == "partly" and "(3 s.e.): no" in text
    with pytest.raises(ValueError, match="count"):
        _judge(0, {"feedforward + BN": _lagged(exact)})


def test_pattern_count_of_a_one_layer_bn_net_is_the_share_of_same_side_pairs():
    """Batch norm over a 1-D line switches every first-layer unit at the batch mean:
    pairs on one side share their whole pattern (1), across it none (0)."""
    import jax.numpy as jnp
    from flax import nnx

    from normlab.models import MLP

    x = jnp.linspace(-2, 2, 256, endpoint=False)[:, None]  # 128 points each side
    mlp = MLP(1, 1, depth=1, width=64, normalization="batch", rngs=nnx.Rngs(3))
    same_side = [(256 - 2 * k) / (256 - k) for k in (1, 16, 64, 128)]  # k straddle
    np.testing.assert_allclose(
        D.pattern_correlation(mlp, x, [1, 16, 64, 128]), same_side, atol=1e-12
    )
    with pytest.raises(ValueError, match="lags"):
        D.pattern_correlation(mlp, x, [256])
    with pytest.raises(ValueError, match="models is empty"):
        D.pattern_correlation([], x, [1])


def test_pattern_count_multiplies_every_layer_and_pools_like_the_measurement():
    """Two points, two layers of four units, patterns set by hand:
    layer 1 a = (1, 1/4), q = 1/4; layer 2 a = (3/4, 1/4), q = 1/4.
    Covariance (2 q1)(2 q2) = 1/4 over energy ((2)(3/2) + (1/2)(1/2)) / 2 = 13/8."""
    import jax.numpy as jnp
    from flax import nnx

    layer1 = np.array([[1, 1, 1, 1], [1, 0, 0, 0]], float)
    layer2 = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], float)
    net = nnx.Linear(1, 1, rngs=nnx.Rngs(0))

    def features(model, x):
        return [jnp.asarray(layer1), jnp.asarray(layer2)]

    x = jnp.zeros((2, 1))
    rho = D.pattern_correlation(net, x, [1], features=features, batch_stats=False)
    np.testing.assert_allclose(rho, [(1 / 4) / (13 / 8)])  # not 1/2 = prod q/sqrt(aa')
    # pooled over models: sums of covariances over sums of energies
    both = D.pattern_correlation(
        [net, net], x, [1], features=features, batch_stats=False
    )
    np.testing.assert_allclose(both, rho)


def test_resnet_rule_compares_every_lag_at_a_common_depth_within_noise():
    ff = _lagged({1: (0.9, 0.5, 0.5), 4: (0.5, 0.0, 0.0)})
    res = _lagged({4: (0.9, 0.3, 0.1)})
    scaled = _lagged({4: (1.0, 0.9, 0.8)})
    fams = {"feedforward + BN": ff, "resnet + BN": res, "resnet + BN, beta=0.1": scaled}
    text, verdict = _judge(1, fams)
    assert verdict == "reproduced" and text.startswith("at L=4")
    worse = _lagged({4: (0.2, 0.0, 0.0)})  # below the feedforward net at lag 1
    assert _judge(1, dict(fams, **{"resnet, no BN": worse}))[1] == "partly"


def test_theory_is_two_to_the_minus_l_three_quarters_to_the_l_and_capped_inverse_sqrt():
    from normlab.experiments.shattered_gradients import theory

    np.testing.assert_allclose(theory("feedforward + BN", [1, 3]), [0.5, 0.125])
    np.testing.assert_allclose(theory("resnet, no BN", [2]), [0.5625])
    np.testing.assert_allclose(
        theory("resnet + BN, beta=0.1", [1, 400], 0.1), [1.0, 0.5]
    )
    with pytest.raises(ValueError, match="family="):
        theory("feedforward", [1])


def test_resnet_without_bn_has_a_many_valued_gradient_on_the_line():
    """Biases on the input's scale break positive homogeneity (else one value per side of 0)."""
    import jax
    import jax.numpy as jnp

    from normlab.experiments import shattered_gradients as sg

    config = sg.get_config("small")
    x = jnp.linspace(-2, 2, 256, endpoint=False)[:, None]
    make = sg._factory(config, 4, 1.0, None)
    g = D.gradient_correlation(make, jax.random.split(jax.random.key(0), 2), x)[
        "gradients"
    ]
    assert len(np.unique(np.round(np.asarray(g[0, :, 0]), 5))) > 20
    zero_bias = sg._factory({**config, "bias_std": 0.0}, 4, 1.0, None)
    g0 = D.gradient_correlation(zero_bias, jax.random.split(jax.random.key(0), 2), x)
    g0 = np.asarray(g0["gradients"][0, :, 0])
    assert (
        len(np.unique(np.round(g0[np.asarray(x[:, 0]) != 0], 4))) == 2
    )  # one per side
