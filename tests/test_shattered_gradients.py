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


def _lagged(values, stderr=0.01, lags=(1, 64, 128)):
    """A synthetic ``summary["lagged"]`` entry: depth -> correlations at ``lags``."""
    return {
        str(d): {
            "lags": list(lags),
            "correlation": list(c),
            "stderr": [stderr] * len(lags),
        }
        for d, c in values.items()
    }


def _judge(index, lagged, points=256):
    from normlab.experiments.shattered_gradients import CLAIMS
    from normlab.results import Result

    r = Result("demo", "small", {"points": points}, [0], {}, {"lagged": lagged})
    return CLAIMS[index].judge(r)


def test_theorem1_rule_needs_monotone_decay_and_two_to_the_minus_l_at_far_lags():
    exact = {d: (0.99, 2.0**-d, 2.0**-d) for d in (1, 2, 4, 8)}
    assert _judge(0, {"feedforward + BN": _lagged(exact)})[1] == "reproduced"
    # far pairs that stay correlated (0.3 at every depth) violate 2^-L but still decay
    stuck = {d: (1.0 / d, 0.3, 0.3) for d in (1, 2, 4, 8)}
    assert _judge(0, {"feedforward + BN": _lagged(stuck)})[1] == "partly"
    # neighbour correlation that rises again at depth 8 (beyond noise) is not a decay
    rises = {**exact, 4: (0.5, 2.0**-4, 2.0**-4), 8: (0.999, 2.0**-8, 2.0**-8)}
    text, verdict = _judge(0, {"feedforward + BN": _lagged(rises)})
    assert verdict == "partly" and "every lag: no" in text


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
