"""Moments through depth: mean and variance of activations layer by layer in a deep random MLP.

SELU with untruncated N(0, 1/n) kernels vs ReLU with He's N(0, 2/n), each
with and without batch norm (Dense -> BatchNorm -> activation, batch
statistics of the probe batch), at initialization, on a batch of
standardized MNIST images. Self-normalization predicts SELU's mean and
variance to settle at 0 and 1 without any normalization layer. Per layer the
moments are over all (image, unit) pairs; seeds draw new weights.
"""

from __future__ import annotations

import jax
import numpy as np
from flax import nnx

from normlab import data
from normlab.experiments import profile_config
from normlab.models import MLP
from normlab.plotting import seed_band
from normlab.results import Result

VARIANTS = {
    "selu": {"activation": "selu", "kernel_init": "lecun_normal_untruncated"},
    "relu": {"activation": "relu", "kernel_init": "he_normal_untruncated"},
    "selu + BN": {
        "activation": "selu",
        "kernel_init": "lecun_normal_untruncated",
        "normalization": "batch",
    },
    "relu + BN": {
        "activation": "relu",
        "kernel_init": "he_normal_untruncated",
        "normalization": "batch",
    },
}

FULL = {
    "dataset": "mnist",
    "variants": list(VARIANTS),
    "depth": 100,
    "width": 1024,
    "num_inputs": 2000,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {"depth": 40, "width": 256, "num_inputs": 500, "seeds": [0, 1]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Per variant and seed: (mean, variance) of every hidden layer's activations."""
    x = data.prepare(config["dataset"], num_train=config["num_inputs"])["train"][0]
    x = jax.numpy.asarray(x)
    moments = {}
    for name in config["variants"]:
        per_seed = []
        for seed in seeds:
            model = MLP(
                x[0].size,
                10,
                depth=config["depth"],
                width=config["width"],
                **VARIANTS[name],
                rngs=nnx.Rngs(seed),
            )
            model.train()  # batch norm normalizes with the statistics of this batch
            feats = [(h.mean(), h.var()) for h in model.features(x)]
            per_seed.append(np.asarray(feats, dtype=float))
        moments[name] = np.stack(per_seed)  # (seeds, depth, 2)
    last = {k: v[:, -1].mean(0).tolist() for k, v in moments.items()}
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={
            "mean": {k: v[..., 0] for k, v in moments.items()},
            "var": {k: v[..., 1] for k, v in moments.items()},
        },
        summary={"last_layer_mean_var": last},
    )


def figure(result):
    """Mean and variance of each hidden layer's activations at initialization, per variant.

    Takes an ``snn_moments_depth`` Result; mean and min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> r = Result("d", "small", {}, [0], {"mean": {"selu": [[0.0, 0.0]]},
        ...                                    "var": {"selu": [[1.0, 1.0]]}})
        >>> len(figure(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_m, ax_v) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for name in result.metrics["mean"]:
        means = np.asarray(result.metrics["mean"][name])
        layers = np.arange(1, means.shape[1] + 1)
        line = seed_band(ax_m, layers, means, label=name)
        seed_band(
            ax_v,
            layers,
            result.metrics["var"][name],
            color=line.get_color(),
            label=name,
        )
    ax_m.set(xlabel="hidden layer", ylabel="mean of activations")
    ax_v.set(xlabel="hidden layer", ylabel="variance of activations")
    ax_m.axhline(0.0, color="k", lw=0.6)
    ax_v.axhline(1.0, color="k", lw=0.6)
    ax_m.legend(fontsize=8)
    for ax in (ax_m, ax_v):
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"Moments through depth at initialization (MNIST inputs): {result.label}",
        fontsize=10,
    )
    return fig
