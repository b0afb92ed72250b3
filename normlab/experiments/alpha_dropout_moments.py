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
from normlab.plotting import seed_band
from normlab.results import Result
from normlab.scorecard import Claim

FULL = {
    "width": 1024,
    "depth": 64,
    "batch": 2000,
    "depth_rate": 0.1,
    "rates": [0.05, 0.1, 0.2],
    "num_draws": 10**7,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {
    "width": 256,
    "depth": 32,
    "batch": 500,
    "num_draws": 10**6,
    "seeds": [0, 1, 2],
}
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
    last = {
        v: np.mean([m[-1] for m in depth_moments[v]], axis=0).tolist() for v in VARIANTS
    }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"depth_moments": depth_moments, "constants": constants},
        summary={"last_layer_mean_var": last},
    )


def figure(result):
    """Mean and variance of every layer's activations: no dropout, standard, alpha dropout.

    Takes the ``alpha_dropout_moments`` Result.
    """
    import matplotlib.pyplot as plt

    moments = result.metrics["depth_moments"]
    names = {
        "none": "no dropout",
        "standard": "standard dropout",
        "alpha": "alpha dropout",
    }
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for variant, runs in moments.items():
        runs = np.asarray(runs)
        layers = np.arange(1, runs.shape[1] + 1)
        for k, ax in enumerate(axes):
            seed_band(ax, layers, runs[..., k], label=names.get(variant, variant))
    axes[0].axhline(0.0, color="k", lw=0.8, ls=":")
    axes[1].axhline(1.0, color="k", lw=0.8, ls=":")
    rate = result.config["depth_rate"]
    axes[0].set(xlabel="layer", ylabel="mean of activations")
    axes[1].set(xlabel="layer", ylabel="variance of activations")
    axes[1].legend(title=f"rate {rate:g}, train mode")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"SELU net, width {result.config['width']}: {result.label}", fontsize=10
    )
    return fig


def _alpha_moments(r: Result):
    last = r.summary["last_layer_mean_var"]
    a, s = last["alpha"], last["standard"]
    ok = abs(a[0]) < 0.05 and abs(a[1] - 1) < 0.05
    return (
        f"deepest layer mean/var: alpha dropout {a[0]:.3f}/{a[1]:.3f}, "
        f"standard dropout {s[0]:.3f}/{s[1]:.3f}"
    ), "reproduced" if ok else "not reproduced"


CLAIMS = [
    Claim(
        "Alpha dropout",
        "Alpha dropout keeps the fixed point (0, 1) through depth",
        "mean 0, variance 1 kept",
        _alpha_moments,
    ),
]
