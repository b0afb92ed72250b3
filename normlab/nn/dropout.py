r"""Alpha dropout: dropout that keeps a SELU network's fixed point (Klambauer et al. 2017).

Ordinary dropout sets units to 0 and scales the survivors by :math:`1/q`:
that keeps the mean but raises the variance, and 0 is not where a SELU unit
rests at low input. Alpha dropout sets dropped units to SELU's saturation
value :math:`\alpha' = -\lambda\alpha` and restores the fixed point's mean
and variance with an affine map :math:`a x + b`.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from flax import nnx

from normlab.activations import selu_parameters

__all__ = ["AlphaDropout", "alpha_dropout_affine"]


def alpha_dropout_affine(
    rate: float,
    mean: float = 0.0,
    var: float = 1.0,
    *,
    alpha_prime: float | None = None,
    convention: str = "notebook",
) -> tuple[float, float, float]:
    r"""Alpha dropout's constants :math:`(a, b, \alpha')` at ``rate`` for a fixed point.

    With keep probability :math:`q = 1 - \text{rate}`, inputs of mean
    :math:`\mu` and variance :math:`\nu`, and dropped units set to
    :math:`\alpha'`, the output :math:`a (x d + \alpha'(1 - d)) + b`,
    :math:`d \sim \mathrm{Bernoulli}(q)`, has mean :math:`\mu` and variance
    :math:`\nu` when (paper section "New dropout technique", generalised to
    any fixed point as in the authors' code)

    .. math::
        a = \sqrt{\frac{\nu}{q\,\bigl((1 - q)(\alpha' - \mu)^2 + \nu\bigr)}},\qquad
        b = \mu - a\bigl(q\mu + (1 - q)\alpha'\bigr).

    :math:`\alpha'` defaults to :math:`-\lambda\alpha` of the SELU for the
    fixed point, from :func:`normlab.activations.selu_parameters` with
    ``convention``; for :math:`(0, 1)` that is :math:`-1.7580993408473766`.

    Args:
        rate: drop probability in ``[0, 1)``.
        mean, var: the fixed point :math:`(\mu, \nu)`, ``var > 0``.
        alpha_prime: the value of dropped units (default: the SELU's saturation).
        convention: passed to ``selu_parameters`` when ``alpha_prime`` is None.

    Returns:
        ``(a, b, alpha_prime)`` as Python floats.

    Example:
        >>> a, b, ap = alpha_dropout_affine(0.1)
        >>> round(ap, 10), round(a, 6), round(b, 6)
        (-1.7580993408, 0.921285, 0.161971)
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate={rate} must be in [0, 1) (the drop probability)")
    if alpha_prime is None:
        alpha, lam = selu_parameters(mean, var, convention=convention)
        alpha_prime = -lam * alpha
    q = 1.0 - rate
    a = math.sqrt(var / (q * ((1.0 - q) * (alpha_prime - mean) ** 2 + var)))
    b = mean - a * (q * mean + (1.0 - q) * alpha_prime)
    return a, b, float(alpha_prime)


class AlphaDropout(nnx.Module):
    r"""Alpha dropout as an NNX layer, with Flax's ``nnx.Dropout`` conventions.

    In training mode (``deterministic=False``) each unit is kept with
    probability :math:`q = 1 - \text{rate}`; dropped units become
    :math:`\alpha'` (SELU's saturation value for the fixed point) and the
    result is mapped by :math:`a x + b` so that the fixed point's mean and
    variance are kept (:func:`normlab.nn.dropout.alpha_dropout_affine`):

    .. math:: y = a\bigl(x d + \alpha'(1 - d)\bigr) + b,\qquad d \sim \mathrm{Bernoulli}(q)

    It is the identity when ``deterministic`` is True (``model.eval()`` or
    ``nnx.view(model, deterministic=True)`` sets it, ``model.train()`` clears
    it) or when ``rate`` is 0. Masks are drawn
    from the ``rng_collection`` stream (``"dropout"``) of ``rngs``. The paper
    recommends rates 0.05 and 0.1.

    Args:
        rate: drop probability in ``[0, 1)`` (not the keep probability).
        mean, var: the fixed point :math:`(\mu, \nu)` the network is built
            for (the SELU paper's: 0 and 1).
        alpha_prime: value of dropped units; default :math:`-\lambda\alpha`
            of ``selu_parameters(mean, var, convention=convention)``.
        convention: see :func:`normlab.activations.selu_parameters`.
        broadcast_dims: dimensions that share one mask (as in ``nnx.Dropout``).
        deterministic: if True, return the inputs unchanged.
        rng_collection: the rng stream that draws masks.
        rngs: ``nnx.Rngs`` (or a stream); may be None for a layer only used
            deterministically.

    Example:
        >>> import jax.numpy as jnp
        >>> layer = AlphaDropout(0.5, rngs=nnx.Rngs(dropout=0))
        >>> y = layer(jnp.zeros((1, 6)))
        >>> # kept units give a*0 + b, dropped ones a*alpha' + b
        >>> sorted({round(float(v), 4) for v in y[0]})
        [-0.7792, 0.7792]
        >>> layer.eval()
        >>> layer(jnp.ones((1, 3))).tolist()
        [[1.0, 1.0, 1.0]]

    References:
        Klambauer, Unterthiner, Mayr, Hochreiter, "Self-normalizing neural
        networks", NeurIPS 2017, arXiv:1706.02515 (alpha dropout), and the
        authors' ``dropout_selu`` (github.com/bioinf-jku/SNNs).
    """

    def __init__(
        self,
        rate: float,
        *,
        mean: float = 0.0,
        var: float = 1.0,
        alpha_prime: float | None = None,
        convention: str = "notebook",
        broadcast_dims: tuple[int, ...] = (),
        deterministic: bool = False,
        rng_collection: str = "dropout",
        rngs: nnx.Rngs | nnx.RngStream | None = None,
    ):
        a, b, ap = alpha_dropout_affine(
            rate, mean, var, alpha_prime=alpha_prime, convention=convention
        )
        self.rate, self.mean, self.var = float(rate), float(mean), float(var)
        self.a, self.b, self.alpha_prime = a, b, ap
        self.broadcast_dims = tuple(broadcast_dims)
        self.deterministic = deterministic
        self.rng_collection = rng_collection
        if isinstance(rngs, nnx.Rngs):
            self.rngs = rngs[rng_collection].fork()
        elif isinstance(rngs, nnx.RngStream):
            self.rngs = rngs.fork()
        elif rngs is None:
            self.rngs = nnx.data(None)
        else:
            raise TypeError(
                f"rngs must be nnx.Rngs, nnx.RngStream or None, got {type(rngs)}"
            )

    def set_view(self, deterministic: bool | None = None):
        """Class method used by ``nnx.view``, as ``nnx.Dropout``'s.

        Args:
          deterministic: if True, disables alpha dropout (the layer is the identity).
        """
        if deterministic is not None:
            self.deterministic = deterministic

    def __call__(
        self,
        x: jax.Array,
        *,
        deterministic: bool | None = None,
        rngs: nnx.Rngs | nnx.RngStream | jax.Array | None = None,
    ) -> jax.Array:
        """Apply alpha dropout; ``deterministic`` and ``rngs`` override the layer's own."""
        deterministic = self.deterministic if deterministic is None else deterministic
        if deterministic or self.rate == 0.0:
            return x
        rngs = self.rngs if rngs is None else rngs
        if isinstance(rngs, nnx.Rngs):
            key = rngs[self.rng_collection]()
        elif isinstance(rngs, nnx.RngStream):
            key = rngs()
        elif isinstance(rngs, jax.Array):
            key = rngs
        else:
            raise ValueError(
                "deterministic is False but AlphaDropout has no rngs: pass rngs= "
                "to the constructor or the call, or call model.eval()"
            )
        dims = {d % x.ndim for d in self.broadcast_dims}
        shape = [1 if i in dims else n for i, n in enumerate(x.shape)]
        keep = jax.random.bernoulli(key, 1.0 - self.rate, shape)
        kept = jnp.where(
            jnp.broadcast_to(keep, x.shape), x, jnp.asarray(self.alpha_prime, x.dtype)
        )
        return (self.a * kept + self.b).astype(x.dtype)
