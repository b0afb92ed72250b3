"""Activation functions by name, for the model factories.

Example:
    >>> import jax.numpy as jnp
    >>> get("relu")(jnp.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp

__all__ = [
    "ALPHA",
    "LAMBDA",
    "SELU",
    "crelu",
    "elu",
    "get",
    "lrelu",
    "selu",
    "selu_for",
    "selu_parameters",
    "srelu",
]

ALPHA = 1.6732632423543772848170429916717
r"""SELU's :math:`\alpha_{01}` (Klambauer et al. 2017, eq. 14), to full double precision.

.. math:: \alpha_{01} = -\frac{\sqrt{2/\pi}}{\operatorname{erfc}(1/\sqrt{2})\, e^{1/2} - 1}
"""

LAMBDA = 1.0507009873554804934193349852946
r"""SELU's :math:`\lambda_{01}` (Klambauer et al. 2017, eq. 14), to full double precision.

.. math:: \lambda_{01} = \frac{\bigl(1 - \operatorname{erfc}(1/\sqrt{2})\sqrt{e}\bigr)\sqrt{2\pi}}
    {\sqrt{2 \operatorname{erfc}(\sqrt{2}) e^{2} + \pi \operatorname{erfc}(1/\sqrt{2})^{2} e
    - 2(2 + \pi) \operatorname{erfc}(1/\sqrt{2}) \sqrt{e} + \pi + 2}}
"""


def elu(x: jax.Array, alpha: float = 1.0) -> jax.Array:
    r"""Exponential linear unit (Clevert et al. 2015).

    Identity for positive inputs, a saturating exponential for negative ones,
    so mean activations can sit near zero while the gradient stays 1 on the
    positive side. The exponential is taken of ``where(x > 0, 0, x)`` with
    ``expm1``, so large positive inputs cannot overflow it and small negative
    ones keep their precision.

    .. math:: \mathrm{elu}(x) = \begin{cases} x & x > 0 \\
              \alpha (e^{x} - 1) & x \le 0 \end{cases}

    Args:
        x: inputs, any shape.
        alpha: the saturation value :math:`-\alpha` for :math:`x \to -\infty`
            (paper: 1).

    Returns:
        ``elu(x)``, same shape and dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> elu(jnp.array([-1e4, 0.0, 2.0])).tolist()
        [-1.0, 0.0, 2.0]

    References:
        Clevert, Unterthiner, Hochreiter, "Fast and accurate deep network
        learning by exponential linear units (ELUs)", arXiv:1511.07289.
    """
    x = jnp.asarray(x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0.0, x)))


def selu(x: jax.Array) -> jax.Array:
    r"""Scaled exponential linear unit (Klambauer et al. 2017).

    A scaled ELU whose constants :data:`ALPHA` and :data:`LAMBDA` make mean 0
    and variance 1 the stable fixed point of the layer-to-layer moment map
    (see :mod:`normlab.snn`): for :math:`z \sim \mathcal{N}(0, 1)`,
    :math:`\mathbb{E}[\mathrm{selu}(z)] = 0` and
    :math:`\mathbb{E}[\mathrm{selu}(z)^2] = 1`.

    .. math:: \mathrm{selu}(x) = \lambda_{01} \begin{cases} x & x > 0 \\
              \alpha_{01} (e^{x} - 1) & x \le 0 \end{cases}

    Args:
        x: inputs, any shape.

    Returns:
        ``selu(x)``, same shape and dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> round(float(selu(jnp.array(-1e4))), 6)  # -lambda * alpha
        -1.758099

    References:
        Klambauer, Unterthiner, Mayr, Hochreiter, "Self-normalizing neural
        networks", NeurIPS 2017, arXiv:1706.02515.
    """
    return LAMBDA * elu(x, ALPHA)


def srelu(x: jax.Array) -> jax.Array:
    r"""Shifted ReLU, :math:`\max(-1, x)`: the ELU paper's baseline with negative values.

    Example:
        >>> import jax.numpy as jnp
        >>> srelu(jnp.array([-3.0, -0.5, 2.0])).tolist()
        [-1.0, -0.5, 2.0]
    """
    return jnp.maximum(x, -1.0)


def lrelu(x: jax.Array, negative_slope: float = 0.1) -> jax.Array:
    r"""Leaky ReLU with the ELU paper's slope 0.1: :math:`\max(x, 0.1 x)`.

    Example:
        >>> import jax.numpy as jnp
        >>> lrelu(jnp.array([-2.0, 3.0])).tolist()
        [-0.20000000298023224, 3.0]
    """
    return jnp.where(x > 0, x, negative_slope * x)


def crelu(x: jax.Array, axis: int = -1) -> jax.Array:
    r"""Concatenated ReLU: :math:`[\mathrm{relu}(x), \mathrm{relu}(-x)]`, doubling ``axis``.

    Keeps both signs of every pre-activation, so the next layer can undo the
    rectification: with mirrored weights :math:`W = [\tilde W; -\tilde W]`
    (:func:`normlab.initializers.looks_linear`),
    :math:`W^\top \mathrm{crelu}(x) = \tilde W^\top x` and a CReLU network is
    exactly linear at initialization (Balduzzi et al. 2017, section 5).

    .. math:: \mathrm{crelu}(x) = \bigl[\max(x, 0),\ \max(-x, 0)\bigr]

    Args:
        x: inputs, any shape.
        axis: the axis to concatenate along (features: the last).

    Returns:
        An array with ``x.shape[axis]`` doubled: positive parts first.

    Example:
        >>> import jax.numpy as jnp
        >>> crelu(jnp.array([-1.0, 2.0])).tolist()
        [0.0, 2.0, 1.0, 0.0]

    References:
        Shang et al., "Understanding and improving convolutional neural networks
        via concatenated rectified linear units", ICML 2016; Balduzzi et al.,
        arXiv:1702.08591.
    """
    return jnp.concatenate([jax.nn.relu(x), jax.nn.relu(-x)], axis=axis)


_SELU_CONVENTIONS = ("notebook", "normalized_weights")


def selu_parameters(
    mean: float = 0.0,
    var: float = 1.0,
    *,
    convention: str = "notebook",
    tol: float = 1e-12,
    max_iter: int = 100,
) -> tuple[float, float]:
    r"""SELU's :math:`(\alpha, \lambda)` for the fixed point (``mean``, ``var``).

    Solves, in float64 by Newton's method started at :math:`(1.67, 1.05)`
    (as the authors' notebook ``getSELUparameters`` does), for the
    :math:`(\alpha, \lambda)` with

    .. math:: \mathbb{E}[\mathrm{selu}_{\alpha,\lambda}(z)] = \mu^*,\qquad
              \mathrm{Var}[\mathrm{selu}_{\alpha,\lambda}(z)] = \nu^*,

    where :math:`(\mu^*, \nu^*)` = (``mean``, ``var``) and the pre-activation
    :math:`z` follows the ``convention``:

    - ``"notebook"``: :math:`z \sim \mathcal{N}(\mu^*, \nu^*)`, the authors'
      notebook. In the paper's moment map :math:`g(\mu, \nu; \omega, \tau)`
      this is :math:`\omega = \sum_i w_i = 1`, :math:`\tau = \sum_i w_i^2 = 1`.
    - ``"normalized_weights"``: :math:`z \sim \mathcal{N}(0, \nu^*)`, the
      paper's theory with normalized weights :math:`\omega = 0`,
      :math:`\tau = 1`, where the pre-activation mean is 0 whatever the
      input mean.

    The two agree when ``mean`` is 0. The moments of
    :math:`\mathrm{selu}_{\alpha,\lambda}(z)` are closed forms in erfc
    (``scipy.special.erfcx`` keeps the products with exponentials
    finite). Newton stops when both residuals, scaled by :math:`\sqrt{\nu^*}`
    and :math:`\nu^*`, are below ``tol``; a backtracking line search keeps it
    from overshooting far targets, and if it still fails, the equivalent
    one-dimensional equation in :math:`\alpha` is bracketed instead. Only
    :math:`\alpha > 0, \lambda > 0` count as solutions.

    Args:
        mean: the target mean :math:`\mu^*`.
        var: the target variance :math:`\nu^* > 0`.
        convention: ``"notebook"`` or ``"normalized_weights"`` (above).
        tol: tolerance on the scaled residuals (default 1e-12).
        max_iter: Newton iterations before giving up on Newton.

    Returns:
        ``(alpha, lambda)`` as Python floats.

    Raises:
        ValueError: ``var <= 0``, an unknown ``convention``, or a target that
            no SELU with :math:`\alpha, \lambda > 0` reaches (for
            ``mean != 0``, :math:`\nu^* / \mu^{*2}` must exceed the smallest
            ratio variance/mean\ :sup:`2` the SELU family attains).

    Example:
        >>> alpha, lam = selu_parameters(0.0, 1.0)
        >>> abs(alpha - ALPHA) < 1e-12 and abs(lam - LAMBDA) < 1e-12
        True
        >>> [round(p, 4) for p in selu_parameters(0.0, 4.0)]
        [2.404, 1.0702]

    References:
        Klambauer, Unterthiner, Mayr, Hochreiter, "Self-normalizing neural
        networks", NeurIPS 2017 (eqs. 3-5 and 14), and the authors' notebook
        ``getSELUparameters`` (github.com/bioinf-jku/SNNs).
    """
    if not var > 0:
        raise ValueError(f"var={var} must be > 0 (a variance)")
    if convention not in _SELU_CONVENTIONS:
        raise ValueError(
            f"unknown convention={convention!r}; allowed: {_SELU_CONVENTIONS}"
        )
    mean, var = float(mean), float(var)
    parts = _selu_parts(mean if convention == "notebook" else 0.0, var)
    sol = _selu_newton(mean, var, parts, tol, max_iter)
    if sol is None:
        sol = _selu_bracket(mean, var, parts)
        sol = _selu_newton(mean, var, parts, tol, max_iter, start=sol)
        if sol is None:  # the bracketed root could not be polished to tol
            raise RuntimeError(
                f"selu_parameters({mean}, {var}) did not converge to tol={tol}"
            )
    return sol


def _selu_parts(m: float, v: float) -> tuple[float, float, float, float]:
    r"""For :math:`z \sim \mathcal{N}(m, v)`: :math:`P = \mathbb{E}[z; z > 0]`,
    :math:`Q = \mathbb{E}[e^z - 1; z \le 0]`, :math:`R = \mathbb{E}[z^2; z > 0]`,
    :math:`S = \mathbb{E}[(e^z - 1)^2; z \le 0]`, so that
    :math:`\mathbb{E}[\mathrm{selu}] = \lambda (P + \alpha Q)` and
    :math:`\mathbb{E}[\mathrm{selu}^2] = \lambda^2 (R + \alpha^2 S)`."""
    from scipy.special import erfc, erfcx

    s = math.sqrt(v)
    t = m / s
    cdf_pos = 0.5 * erfc(-t / math.sqrt(2))  # P(z > 0)
    cdf_neg = 0.5 * erfc(t / math.sqrt(2))  # P(z <= 0)
    pdf = math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)

    def exp_tail(k):  # E[e^{kz}; z <= 0] = e^{km + k^2 v/2} Phi(-(m + k v)/s)
        x = (m + k * v) / (s * math.sqrt(2))
        if x > 0:
            return 0.5 * math.exp(-0.5 * t * t) * erfcx(x)
        return 0.5 * math.exp(k * m + 0.5 * k * k * v) * erfc(x)

    e1, e2 = exp_tail(1), exp_tail(2)
    p = m * cdf_pos + s * pdf
    r = (m * m + v) * cdf_pos + m * s * pdf
    return p, e1 - cdf_neg, r, e2 - 2 * e1 + cdf_neg


def _selu_newton(mean, var, parts, tol, max_iter, start=(1.67, 1.05)):
    """Damped Newton on (mean, variance) - target; (alpha, lambda) or None."""
    p, q, r, s = parts
    scale = (math.sqrt(var), var)

    def residual(a, lam):
        m1 = lam * (p + a * q)
        return (
            (m1 - mean) / scale[0],
            (lam * lam * (r + a * a * s) - m1 * m1 - var) / scale[1],
        )

    a, lam = start
    f = residual(a, lam)
    for _ in range(max_iter):
        if max(abs(f[0]), abs(f[1])) <= tol:
            return (float(a), float(lam)) if a > 0 and lam > 0 else None
        m1 = lam * (p + a * q)
        j = (
            (lam * q / scale[0], (p + a * q) / scale[0]),
            (
                (2 * lam * lam * a * s - 2 * m1 * lam * q) / scale[1],
                (2 * lam * (r + a * a * s) - 2 * m1 * (p + a * q)) / scale[1],
            ),
        )
        det = j[0][0] * j[1][1] - j[0][1] * j[1][0]
        if det == 0 or not math.isfinite(det):
            return None
        da = (j[1][1] * f[0] - j[0][1] * f[1]) / det
        dl = (-j[1][0] * f[0] + j[0][0] * f[1]) / det
        norm, step = max(abs(f[0]), abs(f[1])), 1.0
        while step > 1e-6:
            new = residual(a - step * da, lam - step * dl)
            if max(abs(new[0]), abs(new[1])) < norm:
                break
            step /= 2
        else:
            return None
        a, lam, f = a - step * da, lam - step * dl, new
    return None


def _selu_bracket(mean, var, parts):
    r"""Solve the 1-D equation var/mean^2 = h(alpha) on the branch where lambda > 0.

    With :math:`\lambda` eliminated, :math:`h(\alpha) = (R + \alpha^2 S) / (P +
    \alpha Q)^2 - 1`; :math:`\lambda = \mu^* / (P + \alpha Q)` (or, for
    :math:`\mu^* = 0`, :math:`\alpha = -P/Q`). Raises ValueError if no
    :math:`\alpha > 0` reaches the target.
    """
    from scipy.optimize import brentq, minimize_scalar

    p, q, r, s = parts
    a0 = -p / q  # where the mean changes sign (q < 0 < p)
    if mean == 0:
        return a0, math.sqrt(var / (r + a0 * a0 * s))
    target = var / mean**2

    def h(a):
        return (r + a * a * s) / (p + a * q) ** 2 - 1

    # the branch with sign(P + alpha Q) = sign(mean), mapped to u in (0, 1)
    if mean > 0:
        to_a = lambda u: a0 * u  # noqa: E731
    else:
        to_a = lambda u: a0 / u  # noqa: E731  (u -> 0: alpha -> infinity)
    g = lambda u: h(to_a(u)) - target  # noqa: E731  (+inf at u = 1)
    us = [i / 400 for i in range(1, 400)]
    u_min = min(us, key=g)
    lo = max(u_min - 1 / 400, 1e-9)
    best = minimize_scalar(
        g, bounds=(lo, min(u_min + 1 / 400, 1 - 1e-12)), method="bounded"
    )
    if not g(best.x) < 0:
        lowest = target + g(best.x)
        raise ValueError(
            f"no SELU with alpha > 0, lambda > 0 has mean {mean} and variance {var} under this "
            f"convention: var/mean^2 = {target:.4g} but the family reaches only values above "
            f"{lowest:.4g} for this sign of the mean; raise the variance or lower |mean|"
        )
    hi = 1.0 - 1e-15
    while not g(hi) > 0:  # g -> +inf at u = 1
        hi = (1 + hi) / 2
    u = brentq(g, best.x, hi, xtol=1e-15, rtol=4e-16)
    a = to_a(u)
    return a, mean / (p + a * q)


_BY_NAME: dict[str, Callable] = {
    "relu": jax.nn.relu,
    "crelu": crelu,
    "elu": elu,
    "selu": selu,
    "srelu": srelu,
    "lrelu": lrelu,
    "tanh": jax.numpy.tanh,
    "identity": lambda x: x,
}


@dataclass(frozen=True)
class SELU:
    r"""SELU for the fixed point ``(mean, var)``: :math:`\lambda\,\mathrm{elu}(x, \alpha)`.

    :math:`(\alpha, \lambda)` come from :func:`selu_parameters` with
    ``convention``; :meth:`alpha_dropout` builds the
    :class:`~normlab.nn.AlphaDropout` for the same fixed point, so the
    activation and the dropout cannot disagree (a dropout left at its
    default ``var=1`` beside a SELU for ``var=2`` drifts the variance).
    Instances are equal (and hash equal) when their fixed point and convention
    are, so models built for one target share a graph definition.

    Example:
        >>> import jax.numpy as jnp
        >>> act = SELU()  # the paper's (0, 1)
        >>> round(act.alpha, 6), round(act.lam, 6)
        (1.673263, 1.050701)
        >>> act2 = SELU(0.0, 2.0)
        >>> drop = act2.alpha_dropout(0.1)
        >>> (drop.mean, drop.var), abs(drop.alpha_prime + act2.lam * act2.alpha) < 1e-6
        ((0.0, 2.0), True)
        >>> bool(jnp.allclose(act(jnp.array([1.0])), LAMBDA))
        True
    """

    mean: float = 0.0
    var: float = 1.0
    convention: str = "notebook"
    alpha: float = field(init=False, compare=False, repr=False)
    lam: float = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        alpha, lam = selu_parameters(self.mean, self.var, convention=self.convention)
        object.__setattr__(self, "alpha", float(alpha))
        object.__setattr__(self, "lam", float(lam))

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.lam * elu(x, self.alpha)

    def alpha_dropout(self, rate: float, **kwargs):
        """An :class:`~normlab.nn.AlphaDropout` at ``rate`` for this fixed point and convention
        (``kwargs``: its other arguments, e.g. ``rngs``)."""
        from normlab.nn.dropout import AlphaDropout

        for clash in ("mean", "var", "convention", "alpha_prime"):
            if clash in kwargs:
                raise TypeError(
                    f"{clash}= is fixed by the SELU ({self!r}); do not pass it"
                )
        return AlphaDropout(
            rate, mean=self.mean, var=self.var, convention=self.convention, **kwargs
        )


@functools.cache
def selu_for(mean: float = 0.0, var: float = 1.0, convention: str = "notebook") -> SELU:
    """The :class:`SELU` for ``(mean, var)``, one object per target (cached).

    Example:
        >>> selu_for(0.0, 1.0) is selu_for(0.0, 1.0)
        True
    """
    return SELU(mean, var, convention)


def get(activation: str | Callable) -> Callable:
    """Return ``activation`` itself if callable, else the function of that name."""
    if callable(activation):
        return activation
    try:
        return _BY_NAME[activation]
    except KeyError:
        raise ValueError(
            f"unknown activation={activation!r}; allowed: {', '.join(sorted(_BY_NAME))} "
            "or a callable"
        ) from None
