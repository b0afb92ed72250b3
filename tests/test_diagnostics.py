"""Diagnostics of shattered gradients: closed forms and stated bounds with fixed keys."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from normlab import diagnostics as D
from normlab.models import MLP

N = 256  # points on the line, as in the paper


def test_linear_network_autocorrelation_is_exactly_one():
    net = MLP(1, 1, depth=5, width=20, activation="identity", rngs=nnx.Rngs(0))
    _, g = D.line_gradients(net, num=N, batch_stats=False)
    np.testing.assert_allclose(D.autocorrelation(g), 1.0, rtol=0, atol=1e-6)
    assert D.whiteness(g)["lag1"] == pytest.approx(1.0, abs=1e-6)


def test_autocorrelation_of_an_alternating_sequence():
    g = np.tile([1.0, -1.0], 8)
    a = D.autocorrelation(g, 3)
    np.testing.assert_allclose(a, [1, -1, 1, -1])


@pytest.mark.parametrize("seed", range(5))
def test_whiteness_separates_white_and_brown_noise(seed):
    white = D.whiteness(D.white_noise(jax.random.key(seed), N))
    brown = D.whiteness(D.brown_noise(jax.random.key(seed), N))
    assert abs(white["lag1"]) < 4 / np.sqrt(N)  # 4 sigma for independent values
    assert brown["lag1"] > 0.9
    assert abs(white["spectral_slope"]) < 0.5
    assert -2.6 < brown["spectral_slope"] < -1.4


def test_segment_gradients_match_finite_differences():
    net = MLP(6, 2, depth=2, width=16, activation="tanh", rngs=nnx.Rngs(0))
    x0, x1 = jax.random.normal(jax.random.key(0), (2, 6))
    t, g = D.segment_gradients(net, x0, x1, num=11, output=1, batch_stats=False)
    f = lambda s: net(((1 - s) * x0 + s * x1)[None])[0, 1]  # noqa: E731
    h = 1e-2
    fd = [(f(s + h) - f(s - h)) / (2 * h) for s in t]
    np.testing.assert_allclose(g, fd, rtol=2e-2, atol=1e-3)


def test_freeze_batch_stats_matches_train_mode_and_leaves_the_model_alone():
    net = MLP(1, 1, depth=3, width=10, normalization="batch", rngs=nnx.Rngs(0))
    x = jnp.linspace(-2, 2, N)[:, None]
    before = nnx.state(net, nnx.BatchStat)
    frozen = D.freeze_batch_stats(net, x)
    jax.tree.map(np.testing.assert_array_equal, before, nnx.state(net, nnx.BatchStat))
    net.train()
    np.testing.assert_allclose(frozen(x), net(x), rtol=1e-4, atol=1e-5)


def _relu_bn(depth):
    return lambda k: MLP(
        1,
        1,
        depth=depth,
        width=64,
        normalization="batch",
        kernel_init="he_normal",
        rngs=nnx.Rngs(k),
    )


def test_deep_relu_bn_nets_have_lower_gradient_correlation_than_shallow_ones():
    x = jnp.linspace(-2, 2, N, endpoint=False)[:, None]
    keys = jax.random.split(jax.random.key(0), 8)
    shallow = D.gradient_correlation(_relu_bn(2), keys, x)
    deep = D.gradient_correlation(_relu_bn(12), keys, x)
    assert shallow["correlation"] > 0.9
    gap = shallow["correlation"] - deep["correlation"]
    assert gap > 4 * np.hypot(shallow["stderr"], deep["stderr"])
    assert deep["gradients"].shape == (8, N, 1)


def test_gradient_correlation_of_linear_models_is_one():
    def make(k):
        return MLP(3, 1, depth=2, width=8, activation="identity", rngs=nnx.Rngs(k))

    x = jax.random.normal(jax.random.key(1), (16, 3))
    c = D.gradient_correlation(make, jax.random.split(jax.random.key(2), 3), x, lag=3)
    assert c["correlation"] == pytest.approx(1.0, abs=1e-6)
    assert c["stderr"] < 1e-6


def test_batch_norm_keeps_units_active_half_the_time_and_coactive_less_when_far():
    net = MLP(
        1,
        1,
        depth=4,
        width=100,
        normalization="batch",
        kernel_init="he_normal",
        rngs=nnx.Rngs(0),
    )
    x = jnp.linspace(-2, 2, N, endpoint=False)[:, None]
    stats = D.activation_statistics(net, x)
    np.testing.assert_allclose(stats["active"], 0.5, atol=0.05)
    co = D.coactivation(net, x, [0, 1, N // 2])
    np.testing.assert_allclose(co[:, 0], stats["active"])
    assert (co[:, 1] > co[:, 2]).all()
    assert (co[:, 2] < 0.5).all()


def test_zero_bias_relu_without_bn_is_homogeneous_on_a_line():
    """The trap: its gradient on a 1-D input takes only two values."""
    net = MLP(1, 1, depth=6, width=50, kernel_init="he_normal", rngs=nnx.Rngs(0))
    _, g = D.line_gradients(net, num=N, batch_stats=False)
    assert len(np.unique(np.round(g, 4))) <= 3  # one value per side (and x = 0)


def test_shattered_gradients_experiment_smoke():
    import normlab
    from normlab.experiments import shattered_gradients

    r = normlab.run_experiment(
        "shattered_gradients",
        seeds=[0],
        use_cache=False,
        overrides={
            "inits": 2,
            "width": 16,
            "points": 32,
            "depths_feedforward": [1],
            "depths_resnet": [2],
            "betas": [0.5],
            "depths_resnet_no_bn": [2],
            "depths_feedforward_no_bn": [1],
            "max_lag": 4,
            "coactivation_depth": 2,
            "coactivation_lags": [0, 1, 16],
        },
    )
    fams = r.metrics["families"]
    assert list(fams) == [
        "feedforward + BN",
        "feedforward, no BN",
        "resnet + BN, beta=0.5",
        "resnet, no BN",
    ]
    assert (
        len(r.summary["lagged"]["feedforward, no BN"]["1"]["count"]) == 3
    )  # lags < 32
    assert np.asarray(fams["feedforward + BN"]["acf"]).shape == (1, 5)
    panels = [p["name"] for p in r.metrics["gradients"]]
    assert panels == ["1-layer feedforward", "brown noise", "white noise"]
    for plot in (
        shattered_gradients.figure,
        shattered_gradients.gradient_autocorrelation,
        shattered_gradients.correlation_vs_depth,
        shattered_gradients.correlation_vs_lag_and_depth,
        shattered_gradients.coactivation_vs_distance,
    ):
        assert plot(r).axes


_LOOKS_LINEAR = """
import jax, jax.numpy as jnp
from flax import nnx
from normlab import diagnostics as D
from normlab.models import LooksLinearMLP
make = lambda k: LooksLinearMLP(1, 1, depth=20, width=64, normalization="batch", rngs=nnx.Rngs(k))
keys = jax.random.split(jax.random.key(0), 16)
c = D.gradient_correlation(make, keys, jnp.linspace(-2, 2, 256)[:, None])
print(c["correlation"], c["stderr"])
"""


def test_orthogonally_initialized_models_do_not_hang_and_are_linear():
    """Looks-linear (orthogonal) models used to deadlock XLA:CPU when built in jit(vmap(...));
    run in a subprocess with a timeout so a hang fails the test (this one ran past 90 s before
    the fix, 8 s after). At init they are linear, so the gradient correlation is 1."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(
        [sys.executable, "-c", _LOOKS_LINEAR],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    corr, err = map(float, out.stdout.split())
    assert abs(corr - 1) < 1e-5 and err < 1e-5


def test_output_beyond_the_model_is_rejected():
    model = MLP(1, 10, depth=1, width=4, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="output=20 but the model has 10 outputs"):
        D.input_gradients(model, jnp.zeros((3, 1)), output=20)
