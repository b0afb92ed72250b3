"""normlab.nn.conv_general_dilated: the same values and gradients as lax's, by another route."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from normlab.nn import conv_general_dilated

LAYOUT = ("NHWC", "HWIO", "NHWC")


def _grads(conv, x, w, strides, padding):
    def loss(x, w):
        return jnp.sum(jnp.sin(conv(x, w, strides, padding, dimension_numbers=LAYOUT)))

    return jax.value_and_grad(loss, argnums=(0, 1))(x, w)


@pytest.mark.parametrize(
    "x_shape, w_shape, strides, padding",
    [
        ((4, 8, 8, 3), (3, 3, 3, 5), (1, 1), "SAME"),
        ((4, 8, 8, 3), (3, 3, 3, 5), (1, 1), "VALID"),
        ((4, 6, 6, 3), (1, 1, 3, 5), (1, 1), "SAME"),
        ((2, 7, 9, 3), (3, 3, 3, 2), (1, 1), ((2, 0), (1, 1))),
        ((2, 8, 8, 3), (3, 3, 3, 2), (2, 2), "SAME"),  # strided: lax's own path
    ],
)
def test_values_and_gradients_match_lax(x_shape, w_shape, strides, padding):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=x_shape), jnp.float32)
    w = jnp.asarray(rng.normal(size=w_shape), jnp.float32)
    (ours, (gx, gw)) = _grads(conv_general_dilated, x, w, strides, padding)
    (ref, (rx, rw)) = _grads(jax.lax.conv_general_dilated, x, w, strides, padding)
    np.testing.assert_allclose(ours, ref, rtol=1e-6)
    np.testing.assert_allclose(gx, rx, rtol=1e-6, atol=1e-6)
    # float32 sums in another order: relative to the largest entry, a few ulps of the sum
    assert float(jnp.abs(gw - rw).max() / jnp.abs(rw).max()) < 1e-5


def test_vmapped_kernels_as_fit_seeds_uses_them():
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.normal(size=(4, 8, 8, 3)), jnp.float32)
    ws = jnp.asarray(rng.normal(size=(3, 3, 3, 3, 5)), jnp.float32)

    def grad(conv):
        return jax.vmap(
            jax.grad(
                lambda w: jnp.sum(conv(x, w, (1, 1), "SAME", None, None, LAYOUT) ** 2)
            )
        )(ws)

    ours, ref = grad(conv_general_dilated), grad(jax.lax.conv_general_dilated)
    assert float(jnp.abs(ours - ref).max() / jnp.abs(ref).max()) < 1e-5


def test_flax_conv_accepts_it():
    conv = nnx.Conv(
        3, 4, (3, 3), conv_general_dilated=conv_general_dilated, rngs=nnx.Rngs(0)
    )
    plain = nnx.Conv(3, 4, (3, 3), rngs=nnx.Rngs(0))
    x = jnp.ones((2, 8, 8, 3))
    np.testing.assert_allclose(conv(x), plain(x), rtol=1e-6)


def test_convnets_step_from_python_on_the_cpu_only():
    from normlab import train
    from normlab.models import ConvPoolCNNC

    net = ConvPoolCNNC(width=0.1, rngs=nnx.Rngs(0))
    assert not train.uses_scan(net, backend="cpu")
    assert train.uses_scan(net, backend="gpu")
