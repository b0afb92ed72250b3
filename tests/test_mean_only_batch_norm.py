"""MeanOnlyBatchNorm: zero batch mean, no scaling, running mean update, eval mode."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from normlab.nn import MeanOnlyBatchNorm


def test_batch_mean_is_zero_and_scale_kept():
    bn = MeanOnlyBatchNorm(4, use_bias=False, rngs=nnx.Rngs(0))
    x = 3.0 * jax.random.normal(jax.random.key(0), (8, 5, 5, 4)) + 7.0
    y = bn(x)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y, x - x.mean(axis=(0, 1, 2)), atol=1e-5)


def test_bias_is_added_after_centring():
    bn = MeanOnlyBatchNorm(3, rngs=nnx.Rngs(0))
    bn.bias.set_value(jnp.array([1.0, -2.0, 0.5]))
    y = bn(jax.random.normal(jax.random.key(1), (16, 3)) + 4.0)
    np.testing.assert_allclose(y.mean(0), [1.0, -2.0, 0.5], atol=1e-5)


def test_running_mean_update_and_eval():
    bn = MeanOnlyBatchNorm(2, momentum=0.9, rngs=nnx.Rngs(0))
    xs = [jax.random.normal(jax.random.key(i), (10, 2)) + i for i in range(3)]
    expected = np.zeros(2)
    for x in xs:
        bn(x)
        expected = 0.9 * expected + 0.1 * np.asarray(x.mean(0), np.float64)
    np.testing.assert_allclose(bn.mean[...], expected, rtol=1e-6)
    bn.eval()
    before = bn.mean[...]
    z = jnp.ones((3, 2))
    np.testing.assert_allclose(bn(z), z - before, rtol=1e-6)
    np.testing.assert_array_equal(bn.mean[...], before)  # not updated in eval mode


def test_momentum_and_shape_are_checked():
    with pytest.raises(ValueError, match="momentum"):
        MeanOnlyBatchNorm(2, momentum=1.5, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="num_features"):
        MeanOnlyBatchNorm(2, rngs=nnx.Rngs(0))(jnp.ones((3, 4)))


def test_bfloat16_input_statistics_in_float32():
    bn = MeanOnlyBatchNorm(2, use_bias=False, rngs=nnx.Rngs(0))
    x = (jax.random.normal(jax.random.key(0), (64, 2)) + 100.0).astype(jnp.bfloat16)
    y = bn(x)
    assert y.dtype == jnp.bfloat16
    assert bn.mean.dtype == jnp.float32
    np.testing.assert_allclose(
        bn.mean[...], 0.1 * x.astype(jnp.float32).mean(0), rtol=1e-6
    )
