"""The SNN moment map against numerical integration, and the paper's Jacobian at (0, 1)."""

import jax
import numpy as np
import pytest

from normlab import snn
from normlab.activations import ALPHA, LAMBDA, elu, selu, selu_parameters


@pytest.fixture(autouse=True)
def x64():
    with jax.enable_x64(True):
        yield


def test_jacobian_at_the_fixed_point_is_the_papers():
    # paper eq. 6, printed to six digits
    jac = np.asarray(snn.jacobian(0.0, 1.0, 0.0, 1.0))
    np.testing.assert_allclose(jac, [[0.0, 0.088834], [0.0, 0.782648]], atol=1e-6)
    assert float(snn.spectral_norm(0.0, 1.0)) == pytest.approx(0.7877, abs=5e-5)


@pytest.mark.parametrize(
    "mu, nu, omega, tau",
    [
        (0.0, 1.0, 0.0, 1.0),
        (0.3, 0.8, 0.5, 1.2),
        (-0.2, 1.5, -1.0, 0.9),
        (0.1, 20.0, 0.2, 1.0),
    ],
)
def test_moment_map_equals_integration(mu, nu, omega, tau):
    m1, m2 = snn.gaussian_moments(selu, mu * omega, nu * tau, nodes=150)
    got_mean, got_var = snn.moment_map(mu, nu, omega, tau)
    assert float(got_mean) == pytest.approx(m1, abs=1e-10)
    assert float(got_var) == pytest.approx(m2 - m1**2, abs=1e-9)


def test_moment_map_with_other_constants_equals_integration():
    alpha, lam = 1.0, 1.0  # plain ELU
    m1, m2 = snn.gaussian_moments(elu, 0.4, 2.0)
    got_mean, got_var = snn.moment_map(0.4, 2.0, 1.0, 1.0, alpha=alpha, lam=lam)
    assert float(got_mean) == pytest.approx(m1, abs=1e-10)
    assert float(got_var) == pytest.approx(m2 - m1**2, abs=1e-10)


def test_moment_map_is_finite_for_large_variance():
    # exp(2v) erfc(.) overflows naively near v = 355
    mean, var = snn.moment_map(0.0, 400.0)
    assert np.isfinite(mean) and np.isfinite(var)
    m1, m2 = snn.gaussian_moments(selu, 0.0, 400.0, nodes=150)
    assert float(mean) == pytest.approx(m1, rel=1e-9)


def test_jacobian_matches_finite_differences():
    mu, nu, omega, tau, h = 0.05, 1.1, 0.3, 1.1, 1e-6
    jac = np.asarray(snn.jacobian(mu, nu, omega, tau))
    for j, (dm, dn) in enumerate([(h, 0.0), (0.0, h)]):
        up = np.array(snn.moment_map(mu + dm, nu + dn, omega, tau))
        down = np.array(snn.moment_map(mu - dm, nu - dn, omega, tau))
        np.testing.assert_allclose(jac[:, j], (up - down) / (2 * h), atol=1e-8)


def test_functions_broadcast_over_a_grid():
    mu = np.linspace(-0.1, 0.1, 3)[:, None]
    nu = np.linspace(0.8, 1.5, 4)[None, :]
    mean, var = snn.moment_map(mu, nu)
    assert mean.shape == var.shape == (3, 4)
    jac = snn.jacobian(mu, nu)
    norms = snn.spectral_norm(mu, nu)
    assert jac.shape == (3, 4, 2, 2) and norms.shape == (3, 4)
    np.testing.assert_allclose(jac[2, 1], snn.jacobian(mu[2, 0], nu[0, 1]), atol=1e-14)
    np.testing.assert_allclose(
        norms[2, 1], np.linalg.norm(np.asarray(jac[2, 1]), 2), atol=1e-12
    )


def test_fixed_point():
    mu, nu = snn.fixed_point(0.0, 1.0)
    assert abs(mu) < 1e-10 and abs(nu - 1.0) < 1e-10
    # another (omega, tau): whatever Newton returns must be fixed and stable
    mu, nu = snn.fixed_point(0.1, 1.05, start=(0.0, 1.0))
    g = snn.moment_map(mu, nu, 0.1, 1.05)
    np.testing.assert_allclose(g, (mu, nu), atol=1e-11)
    assert float(snn.spectral_norm(mu, nu, 0.1, 1.05)) < 1.0


def test_default_constants_are_the_published_ones():
    a, b = (
        snn.moment_map(0.0, 1.0, 0.0, 1.0),
        snn.moment_map(0.0, 1.0, alpha=ALPHA, lam=LAMBDA),
    )
    assert a == b


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="var"):
        snn.gaussian_moments(selu, 0.0, 0.0)
    with pytest.raises(ArithmeticError):
        snn.fixed_point(0.0, 1.0, max_iter=1, tol=0.0)


def test_spectral_radius_accepts_norm_above_one_and_rejects_radius_above_one():
    # matrix case: J = [[0, 2], [0, 0.5]] has norm > 2 but radius 0.5 (stable);
    # at (0, 1) with the notebook's omega = 1 the radius is about 1.077 (unstable)
    jac = np.array([[0.0, 2.0], [0.0, 0.5]])
    assert np.linalg.norm(jac, 2) > 1 > np.abs(np.linalg.eigvals(jac)).max()
    # the notebook convention at (0, 1): radius > 1 is rejected
    rho, norm = (
        float(snn.spectral_radius(0.0, 1.0, 1.0, 1.0)),
        float(snn.spectral_norm(0.0, 1.0, 1.0, 1.0)),
    )
    assert rho == pytest.approx(1.0768, abs=1e-3) and norm > rho > 1
    assert float(snn.spectral_radius(0.0, 1.0)) == pytest.approx(0.782648, abs=1e-6)


def test_chi_equals_quadrature():
    def slope_squared(z):
        return jax.numpy.where(z > 0, LAMBDA, LAMBDA * ALPHA * jax.numpy.exp(z)) ** 2

    for mean, var in [(0.0, 1.0), (0.3, 4.0)]:
        expected, _ = snn.gaussian_moments(slope_squared, mean, var, nodes=150)
        assert float(snn.chi(mean, var)) == pytest.approx(expected, abs=1e-10)


def test_chi_at_other_targets_and_mean_slope_below_one():
    # chi for the SELU whose fixed point is (0, 4), against split-kink quadrature
    a, lam = selu_parameters(0.0, 4.0, convention="normalized_weights")
    expected, _ = snn.gaussian_moments(
        lambda z: jax.numpy.where(z > 0, lam, lam * a * jax.numpy.exp(z)) ** 2, 0.0, 4.0
    )
    assert float(snn.chi(0.0, 4.0, alpha=a, lam=lam)) == pytest.approx(
        expected, abs=1e-10
    )
    # omega = 1: d mu~/d mu = E[selu'(z)] = 0.985 < 1, yet the radius is 1.077 > 1
    slope, _ = snn.gaussian_moments(
        lambda z: jax.numpy.where(z > 0, LAMBDA, LAMBDA * ALPHA * jax.numpy.exp(z)),
        0.0,
        1.0,
    )
    with jax.enable_x64(True):
        jac = np.asarray(snn.jacobian(0.0, 1.0, 1.0, 1.0))
    assert jac[0, 0] == pytest.approx(slope, abs=1e-10) and slope < 0.99
    assert float(snn.spectral_radius(0.0, 1.0, 1.0, 1.0)) > 1.07
