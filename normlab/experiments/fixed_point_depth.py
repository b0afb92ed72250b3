"""Deep random SELU networks built for several fixed points: do the activations converge there?

For each case (target mean, target variance, convention, kernel init) a
``depth``-layer SELU MLP with that target's (alpha, lambda) gets inputs
drawn from N(``input_mean``, ``input_var``), and the mean and variance of
every layer's activations are recorded. Kernels are ``"exact"`` (every unit's
weights have exactly the omega, tau of the convention) or ``"lecun"``
(the authors' untruncated N(0, 1/n), where omega is only 0 on average).
No training, no dropout.
"""

from __future__ import annotations

import jax
import numpy as np
from flax import nnx

from normlab.experiments import profile_config
from normlab.experiments._selu_nets import layer_moments, snn
from normlab.plotting import seed_band
from normlab.results import Result

FULL = {
    "cases": [
        [0.0, 0.25, "normalized_weights", "exact"],
        [0.0, 1.0, "normalized_weights", "exact"],
        [0.0, 4.0, "normalized_weights", "exact"],
        [0.5, 1.0, "normalized_weights", "exact"],
        [0.5, 1.0, "notebook", "exact"],
        [0.0, 0.25, "normalized_weights", "lecun"],
        [0.0, 1.0, "normalized_weights", "lecun"],
        [0.0, 4.0, "normalized_weights", "lecun"],
        [0.5, 1.0, "normalized_weights", "lecun"],
    ],
    "width": 1024,
    "depth": 100,
    "batch": 1000,
    "input_mean": 0.3,
    "input_var": 2.0,
    "seeds": [0, 1, 2],
}
SMALL = {"width": 256, "depth": 48, "batch": 256, "seeds": [0, 1]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def case_label(case) -> str:
    """``"(0.5, 1) normalized_weights, exact"`` for legends."""
    mean, var, convention, init = case
    return f"({mean:g}, {var:g}) {convention}, {init}"


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Per case and seed, the (mean, variance) of every layer: ``moments[case][seed]``."""
    width, depth = config["width"], config["depth"]
    moments = []
    for mean, var, convention, init in config["cases"]:
        per_seed = []
        for seed in seeds:
            k_net, k_x = jax.random.split(jax.random.key(seed))
            x = config["input_mean"] + config["input_var"] ** 0.5 * jax.random.normal(
                k_x, (config["batch"], width)
            )
            net = snn(
                width,
                10,
                depth=depth,
                width=width,
                mean=mean,
                var=var,
                convention=convention,
                init=init,
                rngs=nnx.Rngs(params=k_net),
            )
            per_seed.append(layer_moments(net, x).tolist())
        moments.append(per_seed)
    last = {
        case_label(c): [sum(s[-1][i] for s in m) / len(m) for i in (0, 1)]
        for c, m in zip(config["cases"], moments)
    }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"moments": moments},
        summary={"last_layer_mean_var": last},
    )


def figure(result):
    """Mean and variance layer by layer in deep random SELU nets built for several targets.

    Takes the ``fixed_point_depth`` Result; dotted lines are the targets.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    for case, runs in zip(result.config["cases"], result.metrics["moments"]):
        runs = np.asarray(runs)
        layers = np.arange(1, runs.shape[1] + 1)
        mean, var, convention, init = case
        label = f"({mean:g}, {var:g}) {convention.replace('_', ' ')}, {init}"
        ls = "-" if init == "exact" else "--"
        for k, ax in enumerate(axes):
            line = seed_band(ax, layers, runs[..., k], label=label)
            line.set_linestyle(ls)
            ax.axhline(case[k], color=line.get_color(), ls=":", lw=0.8)
    axes[0].set(xlabel="layer", ylabel="mean of activations", ylim=(-1, 1.5))
    axes[1].set(
        xlabel="layer", ylabel="variance of activations", yscale="log", ylim=(0.05, 20)
    )
    axes[1].legend(fontsize=7, loc="upper left")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"width {result.config['width']}, inputs N({result.config['input_mean']:g}, "
        f"{result.config['input_var']:g}): {result.label}",
        fontsize=10,
    )
    return fig
