"""Activations: SELU's constants and fixed point, safe numerics, registry, gradients."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from normlab import activations
from normlab.activations import ALPHA, LAMBDA, elu, lrelu, selu, srelu
from normlab.snn import gaussian_moments

# the published digits (Klambauer et al. 2017), as strings so nothing is rounded early
PUBLISHED_ALPHA = float("1.6732632423543772848170429916717")
PUBLISHED_LAMBDA = float("1.0507009873554804934193349852946")


def test_constants_equal_published_digits():
    assert abs(ALPHA - PUBLISHED_ALPHA) <= 1e-12
    assert abs(LAMBDA - PUBLISHED_LAMBDA) <= 1e-12


def test_constants_match_their_erfc_closed_forms():
    # paper eq. 14, evaluated in float64 with the standard library's erfc
    e1 = math.erfc(1 / math.sqrt(2))
    alpha = -math.sqrt(2 / math.pi) / (e1 * math.exp(0.5) - 1)
    lam = (
        (1 - e1 * math.sqrt(math.e))
        * math.sqrt(2 * math.pi)
        / math.sqrt(
            2 * math.erfc(math.sqrt(2)) * math.e**2
            + math.pi * e1**2 * math.e
            - 2 * (2 + math.pi) * e1 * math.sqrt(math.e)
            + math.pi
            + 2
        )
    )
    assert alpha == pytest.approx(ALPHA, abs=1e-12)
    assert lam == pytest.approx(LAMBDA, abs=1e-12)


def test_selu_has_mean_zero_variance_one_on_standard_normal():
    # Gauss-Legendre split at the kink, float64
    m1, m2 = gaussian_moments(selu, 0.0, 1.0)
    assert abs(m1) < 1e-10
    assert abs(m2 - 1.0) < 1e-10
    # more nodes change nothing: the quadrature has converged
    m1b, m2b = gaussian_moments(selu, 0.0, 1.0, nodes=200)
    assert abs(m1 - m1b) < 1e-13 and abs(m2 - m2b) < 1e-13


def test_gauss_hermite_across_the_kink_is_not_good_enough():
    # why the split matters: one Gauss-Hermite rule over the kink misses the 1e-10 target
    t, w = np.polynomial.hermite_e.hermegauss(40)
    with jax.enable_x64(True):
        f = np.asarray(selu(jnp.asarray(t)))
    m1 = np.sum(w * f) / np.sqrt(2 * np.pi)
    assert abs(m1) > 1e-6


def test_selu_with_other_constants_is_not_normalizing():
    m1, m2 = gaussian_moments(lambda x: 1.0 * elu(x, 1.0), 0.0, 1.0)
    assert abs(m1) > 0.1 or abs(m2 - 1) > 0.1


@pytest.mark.parametrize("fn", [elu, selu])
def test_matches_jax_nn(fn):
    x = jnp.linspace(-20.0, 20.0, 4001)
    ref = getattr(jax.nn, fn.__name__)(x)
    np.testing.assert_allclose(fn(x), ref, rtol=1e-6, atol=1e-7)


def test_limits_and_safe_numerics():
    x = jnp.array([-1e4, -50.0, 0.0, 1e-8, 100.0, 1e30])
    y = selu(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y[:2], -LAMBDA * ALPHA, rtol=1e-6)
    assert float(y[-1]) == pytest.approx(LAMBDA * 1e30, rel=1e-6)
    # no NaN gradient from an overflowing exp on the unused branch
    g = jax.vmap(jax.grad(selu))(x)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[-2:], LAMBDA, rtol=1e-6)
    # expm1 keeps precision for tiny negative inputs: elu(-1e-10) = -1e-10
    assert float(elu(jnp.float32(-1e-10))) == pytest.approx(-1e-10, rel=1e-6)


def test_srelu_and_lrelu():
    x = jnp.array([-5.0, -1.0, -0.3, 0.0, 2.0])
    np.testing.assert_allclose(srelu(x), [-1.0, -1.0, -0.3, 0.0, 2.0])
    np.testing.assert_allclose(lrelu(x), [-0.5, -0.1, -0.03, 0.0, 2.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["elu", "selu", "srelu", "lrelu"])
def test_registered_by_name(name):
    assert activations.get(name) is getattr(activations, name)


@pytest.mark.parametrize("fn", [elu, selu])
def test_gradients_away_from_the_kink(fn):
    with jax.enable_x64(True):
        x = jnp.array([-3.0, -1.2, -0.7, -0.1, 0.1, 0.4, 1.3, 2.5], dtype=jnp.float64)
        check_grads(
            fn, (x,), order=2, modes=("fwd", "rev"), eps=1e-4, atol=1e-7, rtol=1e-7
        )
