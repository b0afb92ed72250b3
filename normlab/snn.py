r"""Self-normalizing networks: the moment map of a SELU layer, its fixed point and stability.

Klambauer et al. (2017) follow the mean :math:`\mu` and variance :math:`\nu`
of a unit's inputs through one dense layer followed by SELU. With the
incoming weights summarised by :math:`\omega = \sum_i w_i` and
:math:`\tau = \sum_i w_i^2`, the pre-activation is (by the central limit
theorem) :math:`z \sim \mathcal{N}(\mu\omega, \nu\tau)` and the layer maps
:math:`(\mu, \nu) \mapsto (\tilde\mu, \tilde\nu) = g(\mu, \nu)` with
:math:`\tilde\mu = \mathbb{E}[\mathrm{selu}(z)]`,
:math:`\tilde\nu = \mathbb{E}[\mathrm{selu}(z)^2] - \tilde\mu^2`, in closed
form (paper eqs. 3-5; :func:`moment_map`). For :math:`\omega = 0`,
:math:`\tau = 1` the point :math:`(0, 1)` is fixed and the spectral norm of
the Jacobian there is 0.7877 < 1: the map is a contraction near it (local
stability needs only the spectral radius below 1, :func:`spectral_radius`), so
activations are pulled back to mean 0 and variance 1 layer after layer.

Every function broadcasts over arrays of :math:`(\mu, \nu, \omega, \tau)`, so a
whole grid for a plot is one call. For the paper's six-digit numbers run in
float64 (``with jax.enable_x64(True):``).

Example:
    >>> import jax
    >>> with jax.enable_x64(True):
    ...     print(round(float(spectral_norm(0.0, 1.0)), 4))
    0.7877

References:
    Klambauer, Unterthiner, Mayr, Hochreiter, "Self-normalizing neural
    networks", NeurIPS 2017, arXiv:1706.02515.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import erfc, log_ndtr

from normlab.activations import ALPHA, LAMBDA

__all__ = [
    "chi",
    "fixed_point",
    "gaussian_moments",
    "jacobian",
    "moment_map",
    "spectral_norm",
    "spectral_radius",
]

_SQRT2 = np.sqrt(2.0)


def _exp_erfc(a, b):
    """``exp(a) * erfc(b)`` without overflow: ``2 exp(a + log Phi(-sqrt(2) b))``."""
    return 2.0 * jnp.exp(a + log_ndtr(-_SQRT2 * b))


def moment_map(
    mu, nu, omega=0.0, tau=1.0, *, alpha: float = ALPHA, lam: float = LAMBDA
):
    r"""Closed-form SELU moment map :math:`g(\mu, \nu) = (\tilde\mu, \tilde\nu)`.

    With :math:`m = \mu\omega`, :math:`v = \nu\tau` and
    :math:`c(x) = \operatorname{erfc}\bigl(x / \sqrt{2v}\bigr)` (paper eqs. 4-5):

    .. math::
        \tilde\mu &= \tfrac{\lambda}{2}\Bigl(-(\alpha + m)\, c(m)
            + \alpha e^{m + v/2} c(m + v)
            + \sqrt{2/\pi}\sqrt{v}\, e^{-m^2/(2v)} + 2m\Bigr) \\
        \tilde\xi &= \tfrac{\lambda^2}{2}\Bigl((m^2 + v)(2 - c(m))
            + \alpha^2\bigl(-2 e^{m + v/2} c(m + v)
                + e^{2(m + v)} c(m + 2v) + c(m)\bigr)
            + \sqrt{2/\pi}\, m \sqrt{v}\, e^{-m^2/(2v)}\Bigr) \\
        \tilde\nu &= \tilde\xi - \tilde\mu^2

    The products :math:`e^{a} \operatorname{erfc}(b)` are evaluated through
    ``log_ndtr`` so they neither overflow nor lose precision for large
    :math:`v`. Paper symbols map to arguments as :math:`\mu` ``mu``,
    :math:`\nu` ``nu``, :math:`\omega` ``omega``, :math:`\tau` ``tau``,
    :math:`\alpha` ``alpha``, :math:`\lambda` ``lam``.

    Args:
        mu, nu: mean and variance of the layer's inputs (``nu > 0``).
        omega, tau: sum and sum of squares of a unit's incoming weights.
        alpha, lam: SELU's constants (default the published ones).

    Returns:
        ``(mu_new, nu_new)``, broadcast over the arguments.

    Example:
        >>> import jax
        >>> with jax.enable_x64(True):
        ...     m, v = moment_map(0.0, 1.0)
        >>> round(float(m), 12) + 0.0, round(float(v), 12)
        (0.0, 1.0)
    """
    m = jnp.asarray(mu) * omega
    v = jnp.asarray(nu) * tau
    s = jnp.sqrt(v)

    def c(x):
        return erfc(x / (_SQRT2 * s))

    gauss = jnp.sqrt(2.0 / jnp.pi) * s * jnp.exp(-(m**2) / (2.0 * v))
    e1 = _exp_erfc(m + v / 2.0, (m + v) / (_SQRT2 * s))
    e2 = _exp_erfc(2.0 * (m + v), (m + 2.0 * v) / (_SQRT2 * s))
    mean = 0.5 * lam * (-(alpha + m) * c(m) + alpha * e1 + gauss + 2.0 * m)
    second = (
        0.5
        * lam**2
        * ((m**2 + v) * (2.0 - c(m)) + alpha**2 * (-2.0 * e1 + e2 + c(m)) + m * gauss)
    )
    return mean, second - mean**2


def jacobian(mu, nu, omega=0.0, tau=1.0, *, alpha: float = ALPHA, lam: float = LAMBDA):
    r"""The Jacobian of :func:`moment_map` with respect to :math:`(\mu, \nu)`, by autodiff.

    .. math:: \mathcal{J} = \begin{pmatrix}
        \partial\tilde\mu/\partial\mu & \partial\tilde\mu/\partial\nu \\
        \partial\tilde\nu/\partial\mu & \partial\tilde\nu/\partial\nu \end{pmatrix}

    Args:
        mu, nu, omega, tau, alpha, lam: as in :func:`moment_map`; arrays broadcast.

    Returns:
        Array of shape ``broadcast_shape + (2, 2)``.

    Example:
        >>> import jax
        >>> with jax.enable_x64(True):  # paper eq. 6: 0.088834, 0.782648
        ...     print(np.round(np.asarray(jacobian(0.0, 1.0)), 7).tolist())
        [[0.0, 0.0888348], [0.0, 0.7826479]]
    """
    args = jnp.broadcast_arrays(
        *(jnp.asarray(a, dtype=float) for a in (mu, nu, omega, tau))
    )
    flat = [a.reshape(-1) for a in args]
    return _jacobians(*flat, alpha, lam).reshape(*args[0].shape, 2, 2)


@jax.jit
def _jacobians(mu, nu, omega, tau, alpha, lam):
    def g(x, w, t):
        return jnp.stack(moment_map(x[0], x[1], w, t, alpha=alpha, lam=lam))

    def one(m, n, w, t):
        return jax.jacfwd(g)(jnp.stack([m, n]), w, t)

    return jax.vmap(one)(mu, nu, omega, tau)


def spectral_norm(
    mu, nu, omega=0.0, tau=1.0, *, alpha: float = ALPHA, lam: float = LAMBDA
):
    r"""The largest singular value of :func:`jacobian`: below 1 means locally contracting.

    The paper's stability criterion (Theorem 1): where
    :math:`\|\mathcal{J}(\mu, \nu)\|_2 < 1` the moment map is a contraction,
    so a fixed point there attracts the moments of every layer.

    Example:
        >>> import jax
        >>> with jax.enable_x64(True):
        ...     print(round(float(spectral_norm(0.0, 1.0)), 6))  # paper: 0.7877
        0.787673
    """
    jac = jacobian(mu, nu, omega, tau, alpha=alpha, lam=lam)
    return jnp.linalg.svd(jac, compute_uv=False)[..., 0]


def spectral_radius(
    mu, nu, omega=0.0, tau=1.0, *, alpha: float = ALPHA, lam: float = LAMBDA
):
    r"""The largest eigenvalue modulus of :func:`jacobian`: below 1 means locally stable.

    Near a fixed point :math:`x^*` the deviations follow
    :math:`\delta_{k+1} = \mathcal{J}\delta_k`, so
    :math:`\delta_k = \mathcal{J}^k \delta_0 \to 0` for every start iff
    :math:`\rho(\mathcal{J}) = \max_i |\lambda_i| < 1` (Gelfand:
    :math:`\|\mathcal{J}^k\|^{1/k} \to \rho`). Since
    :math:`\rho \le \|\mathcal{J}\|_2`, a spectral norm below 1 is sufficient,
    not necessary: :math:`\begin{pmatrix} 0 & 2 \\ 0 & 0.5 \end{pmatrix}` has
    norm above 2 and radius 0.5.

    Example:
        >>> import jax
        >>> with jax.enable_x64(True):  # omega = 0: J is triangular, rho = dnu~/dnu
        ...     print(round(float(spectral_radius(0.0, 1.0)), 6))
        0.782648
    """
    jac = jacobian(mu, nu, omega, tau, alpha=alpha, lam=lam)
    return jnp.max(jnp.abs(jnp.linalg.eigvals(jac)), axis=-1)


def chi(mean=0.0, var=1.0, *, alpha: float = ALPHA, lam: float = LAMBDA):
    r"""Backward growth per layer: :math:`\chi = \mathbb{E}[\phi'(z)^2]` for a Gaussian :math:`z`.

    For :math:`\phi = \lambda\,\mathrm{elu}_\alpha` the slope is :math:`\lambda`
    for :math:`z > 0` and :math:`\lambda\alpha e^{z}` below, so (splitting at the kink)

    .. math:: \chi = \lambda^2\Bigl(\Phi\bigl(m/\sqrt{v}\bigr)
        + \alpha^2 e^{2m + 2v}\,\Phi\bigl(-(m + 2v)/\sqrt{v}\bigr)\Bigr).

    Back-propagating through a layer whose units' weights have
    :math:`\sum_i w_i^2 = \tau` multiplies the expected squared gradient by
    :math:`\tau\chi` (wide layers), so over :math:`L` layers by :math:`(\tau\chi)^L`.

    Args:
        mean, var: the pre-activation's mean :math:`m` and variance :math:`v > 0`.
        alpha, lam: the SELU's constants.

    Example:
        >>> import jax
        >>> with jax.enable_x64(True):
        ...     print(round(float(chi(0.0, 1.0)), 4))
        1.0716
    """
    m, v = jnp.asarray(mean), jnp.asarray(var)
    s = jnp.sqrt(v)
    return lam**2 * (
        jnp.exp(log_ndtr(m / s))
        + alpha**2 * jnp.exp(2 * m + 2 * v + log_ndtr(-(m + 2 * v) / s))
    )


def fixed_point(
    omega: float = 0.0,
    tau: float = 1.0,
    *,
    start: tuple[float, float] = (0.0, 1.0),
    alpha: float = ALPHA,
    lam: float = LAMBDA,
    tol: float = 1e-12,
    max_iter: int = 50,
) -> tuple[float, float]:
    r"""The fixed point :math:`g(\mu^*, \nu^*) = (\mu^*, \nu^*)`, by Newton's method.

    Solves :math:`g(x) - x = 0` from ``start`` with the Jacobian of
    :func:`jacobian`, in float64, until the step is below ``tol``.

    Args:
        omega, tau: the weight statistics of :func:`moment_map`.
        start: the initial :math:`(\mu, \nu)`.
        alpha, lam: SELU's constants.
        tol: absolute tolerance on the Newton step.
        max_iter: give up after this many steps.

    Returns:
        ``(mu_star, nu_star)`` as Python floats.

    Raises:
        ArithmeticError: no convergence within ``max_iter`` steps, or a
            non-positive variance was reached.

    Example:
        >>> [round(v, 10) + 0.0 for v in fixed_point()]
        [0.0, 1.0]
        >>> [round(v, 4) for v in fixed_point(0.0, 1.1)]  # larger weights
        [0.0485, 1.3993]
    """
    with jax.enable_x64(True):
        x = jnp.asarray(start, dtype=jnp.float64)
        for _ in range(max_iter):
            step = _newton_step(
                x, *jnp.asarray([omega, tau, alpha, lam], dtype=jnp.float64)
            )
            x = x + step
            if not bool(x[1] > 0):
                raise ArithmeticError(
                    f"Newton's method left nu > 0 (omega={omega}, tau={tau}, start={start})"
                )
            if float(jnp.max(jnp.abs(step))) < tol:
                return float(x[0]), float(x[1])
    raise ArithmeticError(
        f"no fixed point found in {max_iter} Newton steps (omega={omega}, tau={tau}, "
        f"start={start}); try another start"
    )


@jax.jit
def _newton_step(x, omega, tau, alpha, lam):
    def residual(x):
        return jnp.stack(moment_map(x[0], x[1], omega, tau, alpha=alpha, lam=lam)) - x

    return jnp.linalg.solve(jax.jacfwd(residual)(x), -residual(x))


def gaussian_moments(
    f: Callable,
    mean: float = 0.0,
    var: float = 1.0,
    *,
    nodes: int = 100,
    width: float = 12.0,
) -> tuple[float, float]:
    r"""First and second moments of ``f(z)`` for :math:`z \sim \mathcal{N}(m, v)`, by quadrature.

    Gauss-Legendre quadrature in float64 on :math:`[m - w\sigma, m + w\sigma]`,
    split at the kink :math:`z = 0` of SELU/ELU/ReLU: each side is smooth, so
    ``nodes`` points per side reach about 1e-15, where one Gauss-Hermite rule
    across the kink stalls near 5e-4. The mass beyond :math:`w = 12` standard
    deviations is below 1e-32. ``f`` is evaluated with 64-bit JAX enabled.

    Args:
        f: the activation, applied elementwise to a float64 array.
        mean, var: the Gaussian's mean :math:`m` and variance :math:`v > 0`.
        nodes: Gauss-Legendre points on each side of the kink.
        width: half-width of the interval in standard deviations.

    Returns:
        ``(first_moment, second_moment)`` as Python floats.

    Example:
        >>> from normlab.activations import selu
        >>> m1, m2 = gaussian_moments(selu)
        >>> abs(m1) < 1e-12, abs(m2 - 1) < 1e-12
        (True, True)
    """
    if var <= 0:
        raise ValueError(f"var={var} must be > 0")
    sd = float(np.sqrt(var))
    lo, hi = mean - width * sd, mean + width * sd
    cuts = [lo, 0.0, hi] if lo < 0.0 < hi else [lo, hi]
    t, w = np.polynomial.legendre.leggauss(nodes)
    xs, ws = [], []
    for a, b in zip(cuts[:-1], cuts[1:]):
        xs.append(0.5 * (b - a) * t + 0.5 * (a + b))
        ws.append(0.5 * (b - a) * w)
    x, w = np.concatenate(xs), np.concatenate(ws)
    density = np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2.0 * np.pi))
    with jax.enable_x64(True):
        fx = np.asarray(f(jnp.asarray(x, dtype=jnp.float64)), dtype=np.float64)
    return float(np.sum(w * density * fx)), float(np.sum(w * density * fx**2))
