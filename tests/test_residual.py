"""ResidualBlock and the residual factories: closed forms at beta = 0 and linearity in beta."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from normlab.models import ResidualMLP, ResNet
from normlab.nn.residual import ResidualBlock


def _branch():
    return nnx.Sequential(
        nnx.Linear(5, 5, rngs=nnx.Rngs(0)),
        jax.nn.relu,
        nnx.Linear(5, 5, rngs=nnx.Rngs(1)),
    )


def test_beta_zero_is_the_identity():
    x = jax.random.normal(jax.random.key(0), (7, 5))
    np.testing.assert_array_equal(ResidualBlock(_branch(), beta=0.0)(x), x)


def test_output_is_input_plus_beta_times_branch():
    x = jax.random.normal(jax.random.key(1), (7, 5))
    f = _branch()
    for beta in (0.1, 1.0, 2.5):
        np.testing.assert_allclose(
            ResidualBlock(f, beta=beta)(x), x + beta * f(x), rtol=1e-6, atol=1e-6
        )


def test_branch_must_keep_the_shape():
    block = ResidualBlock(nnx.Linear(5, 3, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="must match"):
        block(jnp.ones((2, 5)))


def test_residual_mlp_at_beta_zero_is_stem_then_head():
    net = ResidualMLP(
        6, 3, depth=4, width=8, beta=0.0, normalization=None, rngs=nnx.Rngs(0)
    )
    x = jax.random.normal(jax.random.key(2), (5, 6))
    np.testing.assert_allclose(net(x), net.head(net.stem(x)), rtol=1e-6, atol=1e-6)
    assert len(net.features(x)) == 5


def test_resnet_at_beta_zero_is_stem_then_head():
    net = ResNet(1, 4, depth=3, width=4, beta=0.0, normalization=None, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(3), (2, 6, 6, 1))
    h = net.stem(x)
    np.testing.assert_allclose(
        net(x), net.out(net.act(h).mean((1, 2))), rtol=1e-5, atol=1e-6
    )


def test_residual_mlp_linear_head_reads_the_stream_out_linearly():
    net = ResidualMLP(6, 3, depth=2, width=8, head="linear", rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(4), (5, 6))
    np.testing.assert_allclose(
        net(x), net.head(net.features(x)[-1]), rtol=1e-6, atol=1e-6
    )
    assert isinstance(net.head, nnx.Linear)
    with pytest.raises(ValueError, match="head"):
        ResidualMLP(6, 3, depth=1, width=8, head="relu", rngs=nnx.Rngs(0))
