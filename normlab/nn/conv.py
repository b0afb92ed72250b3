r"""A drop-in ``lax.conv_general_dilated`` whose weight gradient is one matrix product.

On XLA:CPU the weight gradient of a convolution is the slow part of a
convnet's training step: ``benchmarks/cpu_bounds.py`` measures it at under a
tenth of PyTorch's rate, while the forward pass and the input gradient run at
about half. For a stride-1, undilated 2-D convolution (NHWC input, HWIO
kernel) this function keeps XLA's forward pass and input gradient and
computes the weight gradient as patches times output gradient,

.. math:: \frac{\partial L}{\partial W_{ij}} = \sum_{n, h, w}
   x^{\text{pad}}_{n, h+i, w+j}\, g_{n, h, w}^{\top},

all taps at once as one ``(kh kw C) x (N H W) @ (N H W) x O`` product. Every
other case, and every backend but the CPU, is passed to
``lax.conv_general_dilated`` unchanged.

Give it to a Flax convolution: ``nnx.Conv(..., conv_general_dilated=conv_general_dilated)``.

Example:
    >>> import jax, jax.numpy as jnp
    >>> x, w = jnp.ones((2, 8, 8, 3)), jnp.ones((3, 3, 3, 4))
    >>> def loss(conv, w):
    ...     dims = ("NHWC", "HWIO", "NHWC")
    ...     return conv(x, w, (1, 1), "SAME", dimension_numbers=dims).sum()
    >>> ours = jax.grad(lambda w: loss(conv_general_dilated, w))(w)
    >>> xla = jax.grad(lambda w: loss(jax.lax.conv_general_dilated, w))(w)
    >>> bool(jnp.allclose(ours, xla))
    True
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["conv_general_dilated"]

_LAYOUT = ("NHWC", "HWIO", "NHWC")


def conv_general_dilated(
    lhs,
    rhs,
    window_strides,
    padding,
    lhs_dilation=None,
    rhs_dilation=None,
    dimension_numbers=None,
    feature_group_count=1,
    precision=None,
    **kwargs,
):
    """``lax.conv_general_dilated``, with the weight gradient as a matrix product on the CPU.

    Takes the same arguments; ``kwargs`` (``batch_group_count``,
    ``preferred_element_type``, ``out_sharding``) are passed on, and any of them
    set to other than its default sends the call to ``lax.conv_general_dilated``.
    """
    plain = all(v in (None, 1) for v in kwargs.values())
    fast = plain and _fast_case(
        lhs,
        rhs,
        window_strides,
        padding,
        (lhs_dilation, rhs_dilation),
        dimension_numbers,
    )
    if not fast or feature_group_count != 1:  # grouped convolutions: lax's own path
        return lax.conv_general_dilated(
            lhs,
            rhs,
            window_strides,
            padding,
            lhs_dilation,
            rhs_dilation,
            dimension_numbers,
            feature_group_count,
            precision=precision,
            **kwargs,
        )
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(lhs.shape[1:3], rhs.shape[:2], (1, 1), padding)
    return _conv(lhs, rhs, tuple(map(tuple, padding)), precision)


def _fast_case(lhs, rhs, strides, padding, dilations, dimension_numbers) -> bool:
    if jax.default_backend() != "cpu" or lhs.ndim != 4 or rhs.ndim != 4:
        return False
    if tuple(strides) != (1, 1) or dimension_numbers is None:
        return False
    if any(d is not None and tuple(d) != (1, 1) for d in dilations):
        return False
    if isinstance(padding, str) and padding not in ("SAME", "VALID"):
        return False
    layout = lax.conv_dimension_numbers(lhs.shape, rhs.shape, _LAYOUT)
    return lax.conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers) == layout


def _xla(x, w, padding, precision):
    return lax.conv_general_dilated(
        x, w, (1, 1), padding, dimension_numbers=_LAYOUT, precision=precision
    )


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def _conv(x, w, padding, precision):
    return _xla(x, w, padding, precision)


def _conv_fwd(x, w, padding, precision):
    return _xla(x, w, padding, precision), (x, w)


def _conv_bwd(padding, precision, residuals, g):
    x, w = residuals
    _, input_vjp = jax.vjp(lambda x: _xla(x, w, padding, precision), x)
    (gx,) = input_vjp(g)
    kh, kw, c, o = w.shape
    xp = jnp.pad(x, ((0, 0), *padding, (0, 0)))
    oh, ow = g.shape[1:3]
    taps = [xp[:, i : i + oh, j : j + ow, :] for i in range(kh) for j in range(kw)]
    patches = jnp.concatenate(taps, axis=-1).reshape(-1, kh * kw * c)
    gw = jnp.dot(patches.T, g.reshape(-1, o), precision=precision)
    return gx, gw.reshape(w.shape).astype(w.dtype)


_conv.defvjp(_conv_fwd, _conv_bwd)
