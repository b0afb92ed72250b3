"""Mean-only batch normalization: subtract the minibatch mean, divide by nothing."""

from __future__ import annotations

import jax.numpy as jnp
from flax import nnx

from normlab.nn import _stats

__all__ = ["MeanOnlyBatchNorm"]


class MeanOnlyBatchNorm(nnx.Module):
    r"""Centre each feature with its minibatch mean (a running mean at test time), then add a bias.

    The companion of :class:`~normlab.nn.WeightNorm` in the paper: weight
    normalization fixes the scale of the pre-activations' gradients, mean-only
    batch normalization removes their mean, and, because it does not divide by
    the minibatch standard deviation, it adds far less noise than full batch
    normalization (the noise it adds is of the size of the mean's estimation
    error, which the paper argues acts as a mild regulariser).

    .. math:: t = y - \mu_B + b,\qquad
              \bar\mu \leftarrow m\,\bar\mu + (1 - m)\,\mu_B

    where :math:`\mu_B` is the mean of each feature over the batch (and any
    spatial axes), :math:`\bar\mu` is ``mean`` (a ``nnx.BatchStat``), ``m`` is
    ``momentum`` and ``b`` is ``bias``. With ``use_running_average=True`` (what
    ``model.eval()`` sets) :math:`\bar\mu` replaces :math:`\mu_B` and is not
    updated; ``nnx.view(model, use_running_average=True)`` sets it too.

    Args:
        num_features: size of the feature axis.
        use_running_average: use the running mean instead of the batch mean.
        momentum: decay of the running mean, 0.9 as in the paper's code.
        feature_axis: the feature axis (last by default, NHWC).
        use_bias: add a learned bias after centring (the layer's shift; the
            preceding layer then needs none).
        bias_init: initializer of the bias.
        dtype: dtype of the output (default: the input's).
        param_dtype: dtype of ``bias`` and ``mean``.
        rngs: ``nnx.Rngs`` for the bias initializer.

    Example:
        >>> import jax.numpy as jnp
        >>> bn = MeanOnlyBatchNorm(2, rngs=nnx.Rngs(0))
        >>> y = bn(jnp.array([[1.0, 10.0], [3.0, 20.0]]))
        >>> y.tolist()
        [[-1.0, -5.0], [1.0, 5.0]]
        >>> [round(float(m), 6) for m in bn.mean[...]]  # 0.9 * 0 + 0.1 * batch mean
        [0.2, 1.5]

    References:
        T. Salimans and D. P. Kingma, "Weight Normalization", NeurIPS 2016,
        arXiv:1602.07868, section 3.
    """

    def __init__(
        self,
        num_features: int,
        *,
        use_running_average: bool = False,
        momentum: float = 0.9,
        feature_axis: int = -1,
        use_bias: bool = True,
        bias_init=nnx.initializers.zeros_init(),
        dtype=None,
        param_dtype=jnp.float32,
        rngs: nnx.Rngs,
    ):
        if isinstance(num_features, bool) or not isinstance(num_features, int):
            raise TypeError(f"num_features={num_features!r} must be an int")
        if num_features < 1:
            raise ValueError(f"num_features={num_features} must be >= 1")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum={momentum} must be in [0, 1]")
        self.num_features = num_features
        self.use_running_average = use_running_average
        self.momentum = momentum
        self.feature_axis = feature_axis
        self.dtype = dtype
        self.mean = nnx.BatchStat(jnp.zeros((num_features,), param_dtype))
        self.bias = (
            nnx.Param(bias_init(rngs.params(), (num_features,), param_dtype))
            if use_bias
            else None
        )

    def set_view(self, use_running_average: bool | None = None):
        """Class method used by ``nnx.view``, as ``nnx.BatchNorm``'s.

        Args:
          use_running_average: if True, the stored running mean will be
            used instead of computing the batch mean on the input.
        """
        if use_running_average is not None:
            self.use_running_average = use_running_average

    def __call__(
        self, x: jnp.ndarray, *, use_running_average: bool | None = None
    ) -> jnp.ndarray:
        use_ra = (
            self.use_running_average
            if use_running_average is None
            else use_running_average
        )
        if x.shape[self.feature_axis] != self.num_features:
            raise ValueError(
                f"input has {x.shape[self.feature_axis]} features on axis "
                f"{self.feature_axis}, layer expects num_features={self.num_features}"
            )
        if use_ra:
            mu = self.mean[...]
        else:
            mu = _stats.mean(x, self.feature_axis)
            self.mean.set_value(
                _stats.ema(self.mean[...], mu, self.momentum).astype(
                    self.mean[...].dtype
                )
            )
        shape = [1] * x.ndim
        shape[self.feature_axis] = self.num_features
        shift = -mu if self.bias is None else self.bias[...] - mu
        dtype = self.dtype or x.dtype
        return (x.astype(_stats.stat_dtype(x)) + shift.reshape(shape)).astype(dtype)
