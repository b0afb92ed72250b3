"""Shattered gradients at initialization (Balduzzi et al. 2017, Figs. 1-2, Theorems 1-3).

For rectifier networks of width 200 on a 1-D input (256 points in [-2, 2),
batch norm over the points): the input gradient of feedforward nets,
resnets, beta-scaled resnets, resnets without batch norm (Theorem 2,
biases on the input's scale) and, as a control, feedforward nets without
batch norm (small biases) at several depths; its autocorrelation; the
correlation between gradients at points ``lag`` apart, against lag and
depth, averaged over many initializations (Theorems 1 and 2 predict
:math:`2^{-L}` and :math:`(3/4)^L` for inputs with independent activation
patterns), beside Theorem 1's count from the measured patterns for the
feedforward nets (:func:`normlab.diagnostics.pattern_correlation`, on the
first ``pattern_inits`` initializations); and how often units are active and
co-active with and without batch norm. No training: the small profile
differs only in the number of initializations and depths.
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
    # Theorem 2: a resnet without batch norm. Its biases N(0, bias_std^2), on the scale of the
    # input, break the positive homogeneity that makes the gradient of a 1-D input two-valued
    # (with std 0.1 the stream outgrows them and lag-128 pairs anti-correlate, -0.7 at L=12)
    "depths_resnet_no_bn": [1, 2, 4, 8, 16, 24, 50],
    "bias_std": 1.0,
    # the control for Theorem 1's count: a feedforward net without batch norm, biases
    # N(0, feedforward_bias_std^2) (zero biases would make it positively homogeneous);
    # the co-activation section's net is the same kind
    "depths_feedforward_no_bn": [1, 2, 4, 8, 16, 24, 50],
    "feedforward_bias_std": 0.1,
    # initializations whose activation patterns give Theorem 1's count (diagnostics.
    # pattern_correlation): a mean over units and pairs, so a few suffice
    "pattern_inits": 8,
    "max_lag": 64,
    # correlation against lag as well as depth: Theorem 1's 2^-L is about pairs with
    # independent activation patterns, i.e. far apart on the line, not neighbours
    "lags": [1, 4, 16, 64, 128],
    "fig1": ["1-layer feedforward", "24-layer feedforward", "50-layer resnet"],
    "coactivation_depth": 12,
    "coactivation_lags": [0, 1, 2, 4, 8, 16, 32, 64, 128],
    "seeds": [0],
}
SMALL = {
    "inits": 8,
    "depths_feedforward": [1, 4, 12, 24, 50],
    "depths_resnet": [4, 12, 50],
    "depths_resnet_no_bn": [1, 4, 12, 24],
    "depths_feedforward_no_bn": [1, 4, 12, 24],
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def family_name(beta: float | None, normalization: str | None = "batch") -> str:
    """The label of a model family: feedforward (``beta=None``) or resnet with ``beta``."""
    if beta is None:
        return "feedforward + BN" if normalization else "feedforward, no BN"
    if normalization is None:
        return "resnet, no BN" if beta == 1.0 else f"resnet, no BN, beta={beta:g}"
    return "resnet + BN" if beta == 1.0 else f"resnet + BN, beta={beta:g}"


#: correlation of gradients at inputs with independent activation patterns, per layer
#: (Theorems 1 and 2 at He init): 2^-L feedforward, (3/4)^L resnet without BN
DECAY_PER_LAYER = {"feedforward + BN": 0.5, "resnet, no BN": 0.75}


def _factory(config, depth, beta, normalization="batch"):
    width = config["width"]
    if beta is None:
        if normalization is None:
            bias = {
                "bias_init": nnx.initializers.normal(config["feedforward_bias_std"])
            }
        else:
            bias = {"normalization": normalization}
        return lambda k: MLP(
            1,
            1,
            depth=depth,
            width=width,
            kernel_init="he_normal_untruncated",
            rngs=nnx.Rngs(k),
            **bias,
        )
    bias = nnx.initializers.zeros_init()
    if normalization is None:
        bias = nnx.initializers.normal(config["bias_std"])
    return (
        lambda k: ResidualMLP(
            1,
            1,
            depth=depth,
            width=width,
            beta=beta,
            normalization=normalization,
            kernel_init="he_normal_untruncated",
            bias_init=bias,
            head="linear",  # the residual stream read out linearly, as in the paper's analysis
            rngs=nnx.Rngs(k),
        )
    )


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Measure gradients along the line for every family and depth; one Result."""
    lo, hi = config["line"]
    x = jnp.linspace(lo, hi, config["points"], endpoint=False)[:, None]
    key = jax.random.key(seeds[0])
    init_keys = jax.random.split(key, config["inits"])
    families, fig1 = {}, {}
    plan = [(None, "batch", config["depths_feedforward"])]
    plan += [(None, None, config["depths_feedforward_no_bn"])]
    plan += [(b, "batch", config["depths_resnet"]) for b in config["betas"]]
    plan += [(1.0, None, config["depths_resnet_no_bn"])]
    for beta, norm, depths in plan:
        name = family_name(beta, norm)
        fam = {
            "beta": beta,
            "normalization": norm,
            "depths": depths,
            "acf": [],
            "correlation": [],
            "stderr": [],
            "spectral_slope": [],
            "lagged": [],
        }
        for depth in depths:
            make = _factory(config, depth, beta, norm)
            c = diagnostics.gradient_correlation(make, init_keys, x)
            g = c["gradients"][:, :, 0]
            fam["acf"].append(
                diagnostics.autocorrelation(g, config["max_lag"], center=True)
            )
            lags = [
                k for k in config["lags"] if k < config["points"]
            ]  # lags within the line
            lagged = {
                k: v.tolist()
                for k, v in diagnostics.lagged_correlation(g, lags).items()
            }
            if beta is None:  # Theorem 1's count from the activation patterns
                models = [make(k) for k in init_keys[: config["pattern_inits"]]]
                count = diagnostics.pattern_correlation(models, x, lags)
                lagged["count"] = count.tolist()
            fam["lagged"].append(lagged)
            fam["correlation"].append(c["correlation"])
            fam["stderr"].append(c["stderr"])
            fam["spectral_slope"].append(diagnostics.whiteness(g)["spectral_slope"])
            if beta in (None, 1.0) and norm == "batch":
                kind = "feedforward" if beta is None else "resnet"
                fig1[f"{depth}-layer {kind}"] = g[0]  # first initialization
        families[name] = fam
    noise_keys = jax.random.split(jax.random.fold_in(key, 1), 2)
    fig1["brown noise"] = diagnostics.brown_noise(noise_keys[0], config["points"])
    fig1["white noise"] = diagnostics.white_noise(noise_keys[1], config["points"])
    panels = [n for n in config["fig1"] if n in fig1] + ["brown noise", "white noise"]
    summary = {  # family -> depth -> {"lags", "correlation", "stderr"[, "count"]}
        name: dict(zip(map(str, f["depths"]), f["lagged"]))
        for name, f in families.items()
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
        summary={"lagged": summary},
    )


def _coactivation(config, x, key) -> dict:
    """Active and co-active fractions per layer, with and without batch norm."""
    depth, width, lags = (
        config["coactivation_depth"],
        config["width"],
        config["coactivation_lags"],
    )
    std = config["feedforward_bias_std"]
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
        1,
        len(lines),
        figsize=(2.3 * len(lines), 2.4),
        layout="constrained",
        squeeze=False,
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
    r"""Neighbour gradient correlation against depth, with :func:`theory` dotted
    (:math:`2^{-L}`, :math:`(3/4)^L`, :math:`1/(\beta\sqrt L)` capped at 1); error
    bars are jackknife standard errors over initializations.

    Example:
        >>> from normlab.results import Result
        >>> fam = {"beta": None, "depths": [1, 2], "correlation": [0.9, 0.5], "stderr": [0, .1]}
        >>> r = Result("demo", "small", {}, [0], {"families": {"feedforward + BN": fam}})
        >>> len(correlation_vs_depth(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_lin, ax_log) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for name, fam in result.metrics["families"].items():
        d = np.asarray(fam["depths"], float)
        c, se = np.asarray(fam["correlation"]), np.asarray(fam["stderr"])
        line = ax_lin.errorbar(d, c, yerr=se, marker="o", ms=3, capsize=2, label=name)[
            0
        ]
        ax_log.errorbar(
            d, np.abs(c), yerr=se, marker="o", ms=3, capsize=2, color=line.get_color()
        )
        grid = np.geomspace(1, d.max(), 100)
        for ax in (ax_lin, ax_log) if has_theory(name, fam["beta"]) else ():
            ax.plot(
                grid, theory(name, grid, fam["beta"]), ls=":", color=line.get_color()
            )
    ax_lin.axhline(0, color="gray", lw=0.5)
    ax_lin.set(
        xscale="log", xlabel="depth L", ylabel="gradient correlation (neighbours)"
    )
    ax_log.set(
        xscale="log",
        yscale="log",
        ylim=(1e-3, 1.5),
        xlabel="depth L",
        ylabel="|correlation| (dotted: theory)",
    )
    ax_lin.legend(fontsize=7)
    fig.suptitle(
        f"Correlation of gradients at neighbouring inputs: {result.label}", fontsize=10
    )
    return fig


def has_theory(family: str, beta: float | None = None) -> bool:
    """Whether :func:`theory` has a closed form for ``family`` (a net without one:
    the feedforward net without batch norm, whose count is measured instead).

    Example:
        >>> has_theory("feedforward + BN"), has_theory("feedforward, no BN")
        (True, False)
    """
    return beta is not None or any(map(family.startswith, DECAY_PER_LAYER))


def theory(family: str, depth, beta: float | None = None):
    r"""The predicted gradient correlation of a family at ``depth`` (array-like).

    :math:`2^{-L}` feedforward (Theorem 1) and :math:`(3/4)^L` for a resnet
    without batch norm, both for inputs with independent activation patterns
    (:data:`DECAY_PER_LAYER`); :math:`\min(1, 1/(\beta\sqrt L))` for a resnet
    with batch norm (Theorem 3).

    Example:
        >>> theory("feedforward + BN", [1, 2]).tolist(), theory("resnet + BN", [4], 1.0).tolist()
        ([0.5, 0.25], [0.5])
    """
    d = np.asarray(depth, float)
    for prefix, rate in DECAY_PER_LAYER.items():
        if family.startswith(prefix):
            return rate**d
    if beta is None:
        raise ValueError(
            f"no prediction for family={family!r} without beta; allowed: a resnet with beta, "
            f"or a family starting with one of {list(DECAY_PER_LAYER)}"
        )
    return np.minimum(1.0, 1.0 / (beta * np.sqrt(d)))


def correlation_vs_lag_and_depth(result):
    """Gradient correlation against depth, one line per lag, one panel per family.

    Black dotted: :func:`theory`, which assumes independent activation
    patterns; dotted in each lag's colour, for feedforward nets, Theorem 1's
    count from the measured patterns (``count``, from
    :func:`normlab.diagnostics.pattern_correlation`). Error bars are
    jackknife standard errors.

    Example:
        >>> from normlab.results import Result
        >>> lagged = {"1": {"lags": [1, 4], "correlation": [.9, .5], "stderr": [0, 0]},
        ...           "2": {"lags": [1, 4], "correlation": [.5, .2], "stderr": [0, 0]}}
        >>> fam = {"beta": None}
        >>> r = Result("demo", "small", {}, [0], {"families": {"feedforward + BN": fam}},
        ...            {"lagged": {"feedforward + BN": lagged}})
        >>> len(correlation_vs_lag_and_depth(r).axes)
        1
    """
    import matplotlib.pyplot as plt

    lagged = result.summary["lagged"]
    cols = min(3, len(lagged))
    rows = -(-len(lagged) // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(3.2 * cols + 0.4, 2.8 * rows),
        layout="constrained",
        sharey=True,
        squeeze=False,
    )
    for ax in axes.flat[len(lagged) :]:
        ax.set_visible(False)
    for ax, (name, by_depth) in zip(axes.flat, lagged.items()):
        depths = sorted(by_depth, key=int)
        d = np.asarray(depths, float)
        lags = by_depth[depths[0]]["lags"]
        colors = plt.cm.plasma(np.linspace(0, 0.85, len(lags)))
        for i, (lag, color) in enumerate(zip(lags, colors)):
            c = np.asarray([by_depth[k]["correlation"][i] for k in depths])
            se = np.asarray([by_depth[k]["stderr"][i] for k in depths])
            ax.errorbar(
                d,
                c,
                yerr=se,
                marker="o",
                ms=3,
                capsize=2,
                color=color,
                label=f"lag {lag}",
            )
            if "count" in by_depth[depths[0]]:
                count = [by_depth[k]["count"][i] for k in depths]
                ax.plot(d, count, ls=":", color=color)
        grid = np.geomspace(1, d.max(), 100)
        beta = result.metrics["families"][name]["beta"]
        if has_theory(name, beta):
            ax.plot(grid, theory(name, grid, beta), ls=":", color="k", label="theory")
        ax.axhline(0, color="gray", lw=0.5)
        ax.set(xscale="log", title=name, xlabel="depth L")
    for ax in axes[:, 0]:
        ax.set_ylabel("gradient correlation")
    axes.flat[len(lagged) - 1].legend(fontsize=7)
    fig.suptitle(
        "Gradient correlation at inputs lag x 4/256 apart (coloured dotted: "
        f"Theorem 1's count from the patterns): {result.label}",
        fontsize=10,
    )
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
        1,
        len(nets),
        figsize=(4.5 * len(nets), 3),
        layout="constrained",
        sharey=True,
        squeeze=False,
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
        f"Co-activation against distance (dotted 1/4, dashed 1/2): {result.label}",
        fontsize=10,
    )
    return fig


def _theorem1(r: Result):
    ff = r.summary["lagged"]["feedforward + BN"]
    depths = sorted(ff, key=int)
    lags = ff[depths[0]]["lags"]
    c, se = (np.asarray([ff[k][f] for k in depths]) for f in ("correlation", "stderr"))
    # shattering: |correlation| falls with depth at every lag (within two combined
    # standard errors; it ends near zero, where its sign is noise), to white noise
    falls = bool(
        np.all(np.abs(c[1:]) <= np.abs(c[:-1]) + 2 * np.hypot(se[1:], se[:-1]))
    )
    white = bool(np.all(np.abs(c[-1]) <= 3 * se[-1]))
    # the rate: Theorem 1's count from the measured activation patterns (2^-L where
    # they are independent) at every depth and lag, within three standard errors
    if any("count" not in ff[k] for k in depths):
        raise ValueError("the Result has no Theorem 1 count ('count'): rerun it")
    count = np.asarray([ff[k]["count"] for k in depths])
    off = np.abs(c - count) - 3 * se
    # cells where the count is not itself within noise of 0
    informative = count > 3 * se
    d, i = np.unravel_index(np.argmax(off), off.shape)
    yes = {True: "yes", False: "no"}
    return (
        f"lag {lags[0]}: {c[0, 0]:.3f} at L={depths[0]}, {c[-1, 0]:.3f} ± "
        f"{se[-1, 0]:.3f} at L={depths[-1]}; |correlation| falls with depth at every "
        f"lag: {yes[falls]}, white noise at L={depths[-1]} (3 s.e.): {yes[white]}; "
        f"within 3 s.e. of Theorem 1's count at {int(np.sum(off <= 0))} of {off.size} "
        f"(depth, lag), {int(np.sum((off <= 0) & informative))} of the "
        f"{int(informative.sum())} where the count exceeds 3 s.e.; farthest "
        f"L={depths[d]}, lag {lags[i]}: {c[d, i]:.3f} ± {se[d, i]:.3f} against "
        f"{count[d, i]:.3f}",
        status([falls and white, bool(np.all(off <= 0))]),
    )


def _resnets_keep_correlation(r: Result):
    lagged = r.summary["lagged"]
    ff = lagged["feedforward + BN"]
    resnets = [n for n in lagged if n.startswith("resnet")]
    common = [
        k
        for k in sorted(ff, key=int)
        if int(k) > 1 and all(k in lagged[n] for n in resnets)
    ]
    if not common:
        raise ValueError("no depth above 1 is measured for every family")
    k = common[-1]
    corr = {n: np.asarray(lagged[n][k]["correlation"]) for n in lagged}
    se = {n: np.asarray(lagged[n][k]["stderr"]) for n in lagged}

    def at_least(a, b):  # a >= b at every lag, within two combined standard errors
        return bool(np.all(corr[a] >= corr[b] - 2 * np.hypot(se[a], se[b])))

    checks = [at_least(n, "feedforward + BN") for n in resnets]
    scaled = [n for n in resnets if "beta=" in n and "no BN" not in n]
    if scaled and "resnet + BN" in corr:
        checks.append(at_least(scaled[0], "resnet + BN"))
    lags = ff[k]["lags"]
    text = f"at L={k}, lags {' / '.join(map(str, lags))}: " + "; ".join(
        f"{n} " + " / ".join(f"{c:.2f}" for c in corr[n]) for n in lagged
    )
    return text, status(checks)


CLAIMS = [
    Claim(
        "Shattered gradients",
        "Feedforward gradients shatter: correlation falls with depth at every lag to "
        "white noise, as Theorem 1's count of shared active units predicts (2^-L "
        "for independent activation patterns)",
        "2^-L for inputs with independent activation patterns",
        _theorem1,
    ),
    Claim(
        "Shattered gradients",
        "Resnets, with or without batch norm, keep more gradient correlation than "
        "feedforward nets, beta-scaled resnets most (Fig. 2, Theorems 2 and 3)",
        "(3/4)^L without BN (our derivation for this block); ~1/(beta sqrt L) with BN",
        _resnets_keep_correlation,
    ),
]
