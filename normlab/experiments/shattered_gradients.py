"""Shattered gradients at initialization (Balduzzi et al. 2017, Figs. 1-2, Theorems 1 and 3).

For rectifier networks of width 200 on a 1-D input (256 points in [-2, 2),
batch norm over the points): the input gradient of feedforward nets,
resnets and beta-scaled resnets at several depths, its autocorrelation, the
correlation between gradients at neighbouring points averaged over many
initializations, and how often units are active and co-active with and
without batch norm. No training: the small profile differs only in the
number of initializations and depths.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from normlab import diagnostics
from normlab.experiments import profile_config
from normlab.models import MLP, ResidualMLP
from normlab.results import Result
from normlab.scorecard import Claim, status

FULL = {
    "width": 200,
    "points": 256,
    "line": [-2.0, 2.0],
    "inits": 64,
    # Up to 100 layers: with 200 as well, the 10-minute GPU run (benchmarks/gpu_run.sh)
    # did not finish this experiment beside the others.
    "depths_feedforward": [1, 2, 4, 8, 16, 24, 50],
    "depths_resnet": [1, 2, 4, 8, 16, 24, 50, 100],
    "betas": [1.0, 0.1],
    "max_lag": 64,
    # correlation against lag as well as depth: Theorem 1's 2^-L is about pairs with
    # independent activation patterns, i.e. far apart on the line, not neighbours
    "lags": [1, 4, 16, 64, 128],
    "fig1": ["1-layer feedforward", "24-layer feedforward", "50-layer resnet"],
    "coactivation_depth": 12,
    "coactivation_bias_std": 0.1,
    "coactivation_lags": [0, 1, 2, 4, 8, 16, 32, 64, 128],
    "seeds": [0],
}
SMALL = {"inits": 8, "depths_feedforward": [1, 4, 12, 24, 50], "depths_resnet": [4, 12, 50]}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def family_name(beta: float | None) -> str:
    """The label of a model family: feedforward (``None``) or resnet with ``beta``."""
    if beta is None:
        return "feedforward + BN"
    return "resnet + BN" if beta == 1.0 else f"resnet + BN, beta={beta:g}"


def _factory(config, depth, beta):
    width = config["width"]
    if beta is None:
        return lambda k: MLP(
            1,
            1,
            depth=depth,
            width=width,
            normalization="batch",
            kernel_init="he_normal_untruncated",
            rngs=nnx.Rngs(k),
        )
    return lambda k: ResidualMLP(
        1,
        1,
        depth=depth,
        width=width,
        beta=beta,
        kernel_init="he_normal_untruncated",
        head="linear",  # the residual stream read out linearly, as in the paper's analysis
        rngs=nnx.Rngs(k),
    )


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Measure gradients along the line for every family and depth; one Result."""
    lo, hi = config["line"]
    x = jnp.linspace(lo, hi, config["points"], endpoint=False)[:, None]
    key = jax.random.key(seeds[0])
    init_keys = jax.random.split(key, config["inits"])
    families, fig1 = {}, {}
    plan = [(None, config["depths_feedforward"])] + [
        (b, config["depths_resnet"]) for b in config["betas"]
    ]
    for beta, depths in plan:
        name = family_name(beta)
        fam = {
            "beta": beta,
            "depths": depths,
            "acf": [],
            "correlation": [],
            "stderr": [],
            "spectral_slope": [],
            "lagged": [],
        }
        for depth in depths:
            c = diagnostics.gradient_correlation(_factory(config, depth, beta), init_keys, x)
            g = c["gradients"][:, :, 0]
            fam["acf"].append(diagnostics.autocorrelation(g, config["max_lag"], center=True))
            lags = [k for k in config["lags"] if k < config["points"]]  # lags within the line
            lagged = diagnostics.lagged_correlation(g, lags)
            fam["lagged"].append({k: v.tolist() for k, v in lagged.items()})
            fam["correlation"].append(c["correlation"])
            fam["stderr"].append(c["stderr"])
            fam["spectral_slope"].append(diagnostics.whiteness(g)["spectral_slope"])
            if beta in (None, 1.0):
                kind = "feedforward" if beta is None else "resnet"
                fig1[f"{depth}-layer {kind}"] = g[0]  # first initialization
        families[name] = fam
    noise_keys = jax.random.split(jax.random.fold_in(key, 1), 2)
    fig1["brown noise"] = diagnostics.brown_noise(noise_keys[0], config["points"])
    fig1["white noise"] = diagnostics.white_noise(noise_keys[1], config["points"])
    panels = [n for n in config["fig1"] if n in fig1] + ["brown noise", "white noise"]
    summary = {
        name: dict(zip(map(str, f["depths"]), f["correlation"])) for name, f in families.items()
    }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={
            "x": np.asarray(x[:, 0]),
            "gradients": [{"name": n, "gradient": fig1[n]} for n in panels],
            "families": families,
            "coactivation": _coactivation(config, x, key),
        },
        summary={"lag1": summary},
    )


def _coactivation(config, x, key) -> dict:
    """Active and co-active fractions per layer, with and without batch norm."""
    depth, width, lags = config["coactivation_depth"], config["width"], config["coactivation_lags"]
    std = config["coactivation_bias_std"]
    nets = {
        "ReLU + BN": MLP(
            1,
            1,
            depth=depth,
            width=width,
            normalization="batch",
            kernel_init="he_normal_untruncated",
            rngs=nnx.Rngs(key),
        ),
        f"ReLU, no BN, biases N(0, {std:g}²)": MLP(
            1,
            1,
            depth=depth,
            width=width,
            kernel_init="he_normal_untruncated",
            bias_init=nnx.initializers.normal(std),
            rngs=nnx.Rngs(key),
        ),
    }
    out = {}
    for name, net in nets.items():
        stats = diagnostics.activation_statistics(net, x)
        out[name] = {
            "lags": lags,
            "distance": [4.0 * k / config["points"] for k in lags],
            "coactive": diagnostics.coactivation(net, x, lags),
            "active": stats["active"],
            "dead": stats["dead"],
            "always": stats["always"],
        }
    return out


def figure(result):
    """Paper Fig. 1: gradients along a 1-D input beside brown and white noise.

    Example:
        >>> from normlab.results import Result
        >>> lines = [{"name": "1-layer", "gradient": [1.0, 2.0]},
        ...          {"name": "white noise", "gradient": [0.1, -1.0]}]
        >>> r = Result("demo", "small", {}, [0], {"x": [0.0, 1.0], "gradients": lines})
        >>> len(figure(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    x, lines = np.asarray(result.metrics["x"]), result.metrics["gradients"]
    fig, axes = plt.subplots(
        1, len(lines), figsize=(2.3 * len(lines), 2.4), layout="constrained", squeeze=False
    )
    for ax, line in zip(axes[0], lines):
        name, g = line["name"], line["gradient"]
        ax.plot(x, g, lw=0.8)
        ax.set(title=name, xlabel="input x" if "noise" not in name else "position")
        ax.set_yticks([])
    axes[0, 0].set_ylabel("gradient dy/dx")
    fig.suptitle(f"Gradients along the input at init: {result.label}", fontsize=10)
    return fig


def gradient_autocorrelation(result):
    """Paper Fig. 2: autocorrelation of the gradient for each family and depth.

    Example:
        >>> from normlab.results import Result
        >>> fam = {"depths": [1, 2], "acf": [[1, 0.9, 0.8], [1, 0.5, 0.2]]}
        >>> r = Result("demo", "small", {}, [0], {"families": {"feedforward": fam}})
        >>> len(gradient_autocorrelation(r).axes)
        1
    """
    import matplotlib.pyplot as plt

    fams = result.metrics["families"]
    fig, axes = plt.subplots(
        1,
        len(fams),
        figsize=(3.3 * len(fams), 2.8),
        layout="constrained",
        sharey=True,
        squeeze=False,
    )
    for ax, (name, fam) in zip(axes[0], fams.items()):
        colors = plt.cm.viridis(np.linspace(0, 0.9, len(fam["depths"])))
        for depth, acf, color in zip(fam["depths"], fam["acf"], colors):
            ax.plot(np.arange(len(acf)), acf, color=color, label=f"L={depth}")
        ax.axhline(0, color="gray", lw=0.5)
        ax.set(title=name, xlabel="lag (points)")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("autocorrelation A(k)")
    fig.suptitle(f"Autocorrelation of the gradient: {result.label}", fontsize=10)
    return fig


def correlation_vs_depth(result):
    r"""Neighbour gradient correlation against depth, with Theorem 1's :math:`2^{-L}`
    and Theorem 3's :math:`1/(\beta\sqrt L)` (capped at 1); error bars are jackknife
    standard errors over initializations.

    Example:
        >>> from normlab.results import Result
        >>> fam = {"beta": None, "depths": [1, 2], "correlation": [0.9, 0.5], "stderr": [0, .1]}
        >>> r = Result("demo", "small", {}, [0], {"families": {"feedforward": fam}})
        >>> len(correlation_vs_depth(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_lin, ax_log) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for name, fam in result.metrics["families"].items():
        d = np.asarray(fam["depths"], float)
        c, se = np.asarray(fam["correlation"]), np.asarray(fam["stderr"])
        line = ax_lin.errorbar(d, c, yerr=se, marker="o", ms=3, capsize=2, label=name)[0]
        ax_log.errorbar(d, np.abs(c), yerr=se, marker="o", ms=3, capsize=2, color=line.get_color())
        grid = np.geomspace(1, d.max(), 100)
        theory = (
            2.0**-grid if fam["beta"] is None else np.minimum(1, 1 / (fam["beta"] * np.sqrt(grid)))
        )
        for ax in (ax_lin, ax_log):
            ax.plot(grid, theory, ls=":", color=line.get_color())
    ax_lin.axhline(0, color="gray", lw=0.5)
    ax_lin.set(xscale="log", xlabel="depth L", ylabel="gradient correlation (neighbours)")
    ax_log.set(
        xscale="log",
        yscale="log",
        ylim=(1e-3, 1.5),
        xlabel="depth L",
        ylabel="|correlation| (dotted: theory)",
    )
    ax_lin.legend(fontsize=7)
    fig.suptitle(f"Correlation of gradients at neighbouring inputs: {result.label}", fontsize=10)
    return fig


def coactivation_vs_distance(result):
    """Co-active fraction of units against input distance, with and without batch norm.

    Example:
        >>> from normlab.results import Result
        >>> net = {"distance": [0, 1], "coactive": [[0.5, 0.3], [0.5, 0.25]], "active": [.5, .5]}
        >>> r = Result("demo", "small", {}, [0], {"coactivation": {"BN": net}})
        >>> len(coactivation_vs_distance(r).axes)
        1
    """
    import matplotlib.pyplot as plt

    nets = result.metrics["coactivation"]
    fig, axes = plt.subplots(
        1, len(nets), figsize=(4.5 * len(nets), 3), layout="constrained", sharey=True, squeeze=False
    )
    for ax, (name, net) in zip(axes[0], nets.items()):
        co = np.asarray(net["coactive"])
        dist = np.asarray(net["distance"], float)
        layers = sorted({0, len(co) // 2, len(co) - 1})
        for i in layers:
            ax.plot(
                dist[1:],
                co[i, 1:],
                marker="o",
                ms=3,
                label=f"layer {i + 1} (active {net['active'][i]:.2f})",
            )
        ax.axhline(0.25, color="gray", ls=":", lw=1)
        ax.axhline(0.5, color="gray", ls="--", lw=1)
        ax.set(xscale="log", title=name, xlabel="input distance |x - x'|")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("fraction co-active")
    fig.suptitle(
        f"Co-activation against distance (dotted 1/4, dashed 1/2): {result.label}", fontsize=10
    )
    return fig


def _lag1(r: Result):
    lag1 = r.summary["lag1"]
    ff = lag1["feedforward + BN"]
    deepest = max(ff, key=int)
    res = {k: v for k, v in lag1.items() if k.startswith("resnet")}
    res_deep = {k: v[max(v, key=int)] for k, v in res.items()}
    ok = ff[deepest] < min(res_deep.values())
    beta = [v for k, v in res_deep.items() if "beta" in k]
    plain = res_deep.get("resnet + BN")
    verdicts = [ok] + ([max(beta) > plain] if beta and plain is not None else [])
    text = f"lag-1 at depth {deepest}: feedforward {ff[deepest]:.3f}, " + ", ".join(
        f"{k} {v:.3f}" for k, v in res_deep.items()
    )
    return text, status(verdicts)


CLAIMS = [
    Claim(
        "Shattered gradients",
        "Feedforward gradients shatter with depth; resnets less, "
        "beta-scaled resnets least (Fig. 2, Theorems 1 and 3)",
        "correlation ~2^-L (feedforward), ~1/(beta sqrt L) (resnet)",
        _lag1,
    ),
]
