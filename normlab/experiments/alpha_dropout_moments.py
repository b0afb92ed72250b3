"""Alpha dropout vs standard dropout: activation moments through a deep random SELU network.

No training: a ``depth``-layer SELU MLP with the authors' untruncated
N(0, 1/n) kernels gets standard-normal inputs, with no dropout, standard
dropout or alpha dropout after every layer, and the mean and variance of
every layer's activations are recorded (train mode, so dropout is active).
Then, for each rate of ``rates``, the alpha-dropout constants and the mean
and variance after one dropout layer measured on ``num_draws`` SELU
activations of N(0, 1) inputs.
"""

from __future__ import annotations

import jax
import numpy as np
from flax import nnx

from normlab.activations import selu
from normlab.experiments import profile_config
from normlab.experiments._selu_nets import layer_moments, snn
from normlab.nn.dropout import AlphaDropout, alpha_dropout_affine
from normlab.results import Result

FULL = {
    "width": 1024,
    "depth": 64,
    "batch": 2000,
    "depth_rate": 0.1,
    "rates": [0.05, 0.1, 0.2],
    "num_draws": 10**7,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {"width": 256, "depth": 32, "batch": 500, "num_draws": 10**6, "seeds": [0, 1, 2]}
VARIANTS = ("none", "standard", "alpha")


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Moments per layer for each dropout variant and seed, and the constants per rate."""
    width, depth = config["width"], config["depth"]
    depth_moments = {v: [] for v in VARIANTS}
    for seed in seeds:
        k_net, k_x, k_drop = jax.random.split(jax.random.key(seed), 3)
        x = jax.random.normal(k_x, (config["batch"], width))
        for variant in VARIANTS:
            net = snn(
                width,
                10,
                depth=depth,
                width=width,
                init="lecun",
                dropout="standard" if variant == "none" else variant,
                dropout_rate=0.0 if variant == "none" else config["depth_rate"],
                rngs=nnx.Rngs(params=k_net, dropout=k_drop),
            )
            depth_moments[variant].append(layer_moments(net, x))
    constants = []
    z = jax.random.normal(jax.random.key(seeds[0]), (config["num_draws"],))
    h = selu(z)
    for i, rate in enumerate(config["rates"]):
        a, b, alpha_prime = alpha_dropout_affine(rate)
        k = jax.random.key(1000 + i)
        ya = np.asarray(AlphaDropout(rate, rngs=nnx.Rngs(dropout=k))(h), np.float64)
        ys = np.asarray(nnx.Dropout(rate, rngs=nnx.Rngs(dropout=k))(h), np.float64)
        constants.append(
            {
                "rate": rate,
                "a": a,
                "b": b,
                "alpha_prime": alpha_prime,
                "alpha_mean": ya.mean(),
                "alpha_var": ya.var(),
                "standard_mean": ys.mean(),
                "standard_var": ys.var(),
                "input_mean": float(h.mean()),
                "input_var": float(h.var()),
            }
        )
    last = {v: np.mean([m[-1] for m in depth_moments[v]], axis=0).tolist() for v in VARIANTS}
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"depth_moments": depth_moments, "constants": constants},
        summary={"last_layer_mean_var": last},
    )
