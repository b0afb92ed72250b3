"""The book's opening problem: activations and gradients, layer by layer, in deep random MLPs.

At initialization, on a batch of real (standardized) MNIST images, four deep
MLPs of equal depth and width:

- ReLU with N(0, 1/n) kernels: each layer halves the second moment
  (:math:`\\mathbb{E}[\\mathrm{relu}(z)^2] = \\mathrm{Var}(z)/2`), so the signal
  vanishes as :math:`2^{-L}`;
- ReLU with He's N(0, 2/n) kernels: the second moment is kept, but the mean
  drifts positive and nothing pulls a layer back once it strays;
- ReLU with He kernels and batch norm (Dense -> BatchNorm -> ReLU, batch
  statistics): every layer is re-standardized, but the backward pass through
  the batch statistics grows the gradient towards the input;
- SELU with N(0, 1/n) kernels: mean 0 and variance 1 is an attracting fixed
  point of the forward moment map (chapter "From ELU to SELU").

Per layer it records the standard deviation of the activations over all
(image, unit) pairs, the norm of the cross-entropy gradient with respect to
that layer's kernel, and (first seed) a histogram of the activations at three
depths. Nothing is trained; seeds draw new weights.

Example:
    >>> get_config("small")["depth"] < get_config("full")["depth"]
    True
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from normlab import data
from normlab.experiments import profile_config
from normlab.experiments.snn_moments_depth import VARIANTS as _MOMENT_NETS
from normlab.models import MLP
from normlab.plotting import integer_epochs, seed_band
from normlab.results import Result

# The nets of snn_moments_depth (the same inits), plus ReLU at the LeCun scale.
VARIANTS = {
    "ReLU, N(0, 1/n)": {
        **_MOMENT_NETS["relu"],
        "kernel_init": "lecun_normal_untruncated",
    },
    "ReLU, He N(0, 2/n)": _MOMENT_NETS["relu"],
    "ReLU + batch norm": _MOMENT_NETS["relu + BN"],
    "SELU, N(0, 1/n)": _MOMENT_NETS["selu"],
}
BINS = np.linspace(-3.0, 6.0, 61)

FULL = {
    "dataset": "mnist",
    "variants": list(VARIANTS),
    "depth": 64,
    "width": 1024,
    "num_inputs": 2000,
    "seeds": [0, 1, 2, 3, 4],
}
SMALL = {"depth": 32, "width": 256, "num_inputs": 500, "seeds": [0, 1]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def histogram_layers(depth: int) -> list[int]:
    """The three hidden layers (1-based) whose activations are histogrammed: first, middle, last.

    Example:
        >>> histogram_layers(32)
        [1, 16, 32]
    """
    return [1, max(1, depth // 2), depth]


def layer_statistics(model: MLP, x: jax.Array, y: jax.Array) -> tuple[list, list, list]:
    """Per hidden layer: activations, their std, and the norm of dL/d(kernel).

    L is the mean cross-entropy of the batch ``(x, y)``; batch norm (if any)
    uses the batch's statistics, as in training.
    """

    def loss(m):
        logits = m(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    grads = nnx.grad(loss)(model)
    feats = model.features(x)
    grad_norms = [
        float(jnp.linalg.norm(jnp.asarray(grads["hidden"][i]["kernel"])))
        for i in range(len(model.hidden))
    ]
    return feats, [float(h.std()) for h in feats], grad_norms


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Per variant and seed: activation std and kernel-gradient norm of every hidden layer."""
    x, y = data.prepare(config["dataset"], num_train=config["num_inputs"])["train"]
    x, y = jnp.asarray(x), jnp.asarray(y)
    layers = histogram_layers(config["depth"])
    std, grad, hist = {}, {}, {}
    for name in config["variants"]:
        std[name], grad[name] = [], []
        for seed in seeds:
            model = MLP(
                x[0].size,
                10,
                depth=config["depth"],
                width=config["width"],
                **VARIANTS[name],
                rngs=nnx.Rngs(seed),
            )
            model.train()
            feats, s, g = layer_statistics(model, x, y)
            std[name].append(s)
            grad[name].append(g)
            if seed == seeds[0]:
                hist[name] = {
                    str(layer): np.histogram(np.asarray(feats[layer - 1]), BINS)[0]
                    for layer in layers
                }
    summary = {
        "last_layer_std": {
            k: float(np.mean([s[-1] for s in v])) for k, v in std.items()
        },
        "first_over_last_gradient": {
            k: float(np.mean([g[0] / g[-1] for g in v])) for k, v in grad.items()
        },
    }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"std": std, "grad_norm": grad, "histograms": hist, "bins": BINS},
        summary=summary,
    )


def figure(result):
    """Activation std and kernel-gradient norm per layer, and activation histograms at 3 depths.

    Example:
        >>> s = {"v": [[1.0, 0.5]]}
        >>> h = {"v": {str(i): np.ones(len(BINS) - 1) for i in (1, 1, 2)}}
        >>> m = {"std": s, "grad_norm": s, "histograms": h, "bins": BINS}
        >>> len(figure(Result("s", "small", {"depth": 2}, [0], m)).axes)
        3
    """
    import matplotlib.pyplot as plt

    m = result.metrics
    names = list(m["std"])
    fig = plt.figure(figsize=(11, 6.4), layout="constrained")
    grid = fig.add_gridspec(2, max(2, len(names)))
    half = max(1, len(names) // 2)
    ax_std = fig.add_subplot(grid[0, :half])
    ax_grad = fig.add_subplot(grid[0, half:])
    for name in names:
        layers = np.arange(1, len(m["std"][name][0]) + 1)
        line = seed_band(ax_std, layers, m["std"][name], label=name, log=True)
        seed_band(
            ax_grad, layers, m["grad_norm"][name], color=line.get_color(), log=True
        )
    ax_std.set(xlabel="hidden layer", ylabel="std of activations", title="forward")
    ax_grad.set(
        xlabel="hidden layer",
        ylabel="||dL/dW|| of the layer's kernel",
        title="backward",
    )
    ax_std.legend(fontsize=8)
    bins = np.asarray(m["bins"])
    centres = (bins[1:] + bins[:-1]) / 2
    for i, name in enumerate(names):
        ax = fig.add_subplot(grid[1, i])
        for layer, counts in m["histograms"][name].items():
            counts = np.asarray(counts, float)
            frac = counts / max(counts.sum(), 1)
            ax.plot(centres, np.where(frac > 0, frac, np.nan), label=f"layer {layer}")
        ax.set(title=name, xlabel="activation", yscale="log")
        ax.title.set_fontsize(9)
        if i == 0:
            ax.set_ylabel("fraction of values")
            ax.legend(fontsize=7)
    for ax in fig.axes:
        ax.grid(alpha=0.3)
        integer_epochs(ax)
    fig.suptitle(
        f"Deep random MLPs at initialization, MNIST: {result.label}", fontsize=10
    )
    return fig
