"""Figures from Results: each takes a Result and returns a matplotlib Figure.

Curves over seeds are drawn as the mean with a band from the minimum to the
maximum; every figure's title ends with the Result's label (profile, seeds,
hardware), so a figure always says what made it.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dropout_moments_depth",
    "fixed_point_depth_curves",
    "fixed_point_maps",
    "figure",
    "fixed_point_training_curves",
    "variant_accuracy",
    "accuracy_comparison",
    "activation_curves",
    "coactivation_vs_distance",
    "correlation_vs_depth",
    "depth_loss_curves",
    "depth_sweep",
    "glue",
    "gradient_autocorrelation",
    "gradient_lines",
    "learning_curves",
    "moment_map_quiver",
    "moments_through_depth",
    "preactivation_std_plot",
    "scorecard_chart",
    "seed_band",
    "weight_norm_curves",
]


def seed_band(ax, x, runs, *, label=None, color=None, log=False):
    """Plot the mean of ``runs`` (seeds x points) with a min-max band; return the line."""
    runs = np.asarray(runs, dtype=float)
    centre = np.exp(np.log(runs).mean(0)) if log else runs.mean(0)
    (line,) = ax.plot(x, centre, label=label, color=color)
    if len(runs) > 1:
        ax.fill_between(x, runs.min(0), runs.max(0), color=line.get_color(), alpha=0.2, lw=0)
    if log:
        ax.set_yscale("log")
    return line


def learning_curves(result, *, title: str | None = None):
    """Training loss and test accuracy per epoch (mean and range over seeds).

    Example:
        >>> from normlab.results import Result
        >>> h = {"epoch": [1, 2], "train_loss": [0.5, 0.3], "test_accuracy": [0.9, 0.95]}
        >>> r = Result("demo", "small", {}, [0], {"histories": [h]})
        >>> fig = learning_curves(r)
        >>> len(fig.axes)
        2
    """
    import matplotlib.pyplot as plt

    hs = result.metrics["histories"]
    epochs = hs[0]["epoch"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    seed_band(ax_loss, epochs, [h["train_loss"] for h in hs], log=True)
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)")
    seed_band(ax_acc, epochs, [100 * np.asarray(h["test_accuracy"]) for h in hs])
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title or result.name}: {result.label}", fontsize=10)
    return fig


def glue(name: str, value, *, display: bool = False):
    """Store ``value`` for the book's ``{glue}`` roles; outside a book build, show it.

    Uses ``myst_nb.glue`` when the book toolchain is installed (the book
    build), else prints ``name = value`` so a notebook in Colab still shows
    the number.
    """
    try:
        from myst_nb import glue as _glue
    except ImportError:
        print(f"{name} = {value}")
        return value
    _glue(name, value, display=display)
    return value


# --- chapter "From ELU to SELU" --------------------------------------------------------------


def activation_curves(result):
    """ELU paper Fig. 2: median unit activation, and training/validation loss, per epoch.

    Takes an ``elu_mnist`` Result; one colour per activation, training loss
    solid and validation loss dashed, mean and min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> c = {"train_loss": [[2.3, 0.5]], "val_loss": [[2.3, 0.6]],
        ...      "median_activation": [[0.1, 0.2]]}
        >>> len(activation_curves(Result("e", "small", {}, [0], {"curves": {"elu": c}})).axes)
        2
    """
    import matplotlib.pyplot as plt

    curves = result.metrics["curves"]
    fig, (ax_act, ax_loss) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for act, c in curves.items():
        epochs = np.arange(len(c["train_loss"][0]))
        line = seed_band(ax_act, epochs, c["median_activation"], label=act)
        seed_band(
            ax_loss, epochs, c["train_loss"], label=f"{act} train", color=line.get_color(), log=True
        )
        val = seed_band(
            ax_loss,
            epochs,
            c["val_loss"],
            label=f"{act} validation",
            color=line.get_color(),
            log=True,
        )
        val.set_linestyle("--")
    ax_act.axhline(0.0, color="k", lw=0.6)
    ax_act.set(xlabel="epoch", ylabel="median over units of mean activation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (train solid, validation dashed)")
    ax_act.legend(fontsize=8)
    ax_loss.legend(fontsize=7, ncol=2)
    for ax in (ax_act, ax_loss):
        ax.grid(alpha=0.3)
    fig.suptitle(f"8 x 128 MLP on MNIST: {result.label}", fontsize=10)
    return fig


def moment_map_quiver(result):
    r"""SNN paper Fig. 2: arrows from :math:`(\mu, \nu)` to :math:`g(\mu, \nu)`, fixed point marked.

    Takes an ``snn_moment_map`` Result. Arrows show :math:`g(x) - x`, coloured
    by the spectral norm of the Jacobian at their tail.

    Example:
        >>> from normlab.results import Result
        >>> m = {k: [[0.0, 0.1], [0.0, 0.1]] for k in ("mu", "g_mu", "spectral_norm_grid")}
        >>> m.update(nu=[[1.0, 1.0], [1.2, 1.2]], g_nu=[[1.0, 1.0], [1.1, 1.1]])
        >>> s = {"fixed_point": [0.0, 1.0], "spectral_norm": 0.79}
        >>> len(moment_map_quiver(Result("m", "small", {}, [0], m, s)).axes)
        2
    """
    import matplotlib.pyplot as plt

    m = {k: np.asarray(v, dtype=float) for k, v in result.metrics.items()}
    fig, ax = plt.subplots(figsize=(6, 4.6), layout="constrained")
    q = ax.quiver(
        m["mu"],
        m["nu"],
        m["g_mu"] - m["mu"],
        m["g_nu"] - m["nu"],
        m["spectral_norm_grid"],
        angles="xy",
        cmap="viridis",
    )
    fig.colorbar(q, ax=ax, label="spectral norm of the Jacobian")
    mu0, nu0 = (round(v, 6) + 0.0 for v in result.summary["fixed_point"])  # no "-0.000"
    ax.plot(
        [mu0],
        [nu0],
        "r*",
        ms=14,
        label=f"fixed point ({mu0:.3f}, {nu0:.3f}), norm {result.summary['spectral_norm']:.4f}",
    )
    ax.set(xlabel=r"$\mu$ (mean of the inputs)", ylabel=r"$\nu$ (variance of the inputs)")
    ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(
        r"SELU moment map $g$ at $\omega = 0$, $\tau = 1$ (analytic, float64)", fontsize=10
    )
    return fig


def moments_through_depth(result):
    """Mean and variance of each hidden layer's activations at initialization, per variant.

    Takes an ``snn_moments_depth`` Result; mean and min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> r = Result("d", "small", {}, [0], {"mean": {"selu": [[0.0, 0.0]]},
        ...                                    "var": {"selu": [[1.0, 1.0]]}})
        >>> len(moments_through_depth(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_m, ax_v) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for name in result.metrics["mean"]:
        means = np.asarray(result.metrics["mean"][name])
        layers = np.arange(1, means.shape[1] + 1)
        line = seed_band(ax_m, layers, means, label=name)
        seed_band(ax_v, layers, result.metrics["var"][name], color=line.get_color(), label=name)
    ax_m.set(xlabel="hidden layer", ylabel="mean of activations")
    ax_v.set(xlabel="hidden layer", ylabel="variance of activations")
    ax_m.axhline(0.0, color="k", lw=0.6)
    ax_v.axhline(1.0, color="k", lw=0.6)
    ax_m.legend(fontsize=8)
    for ax in (ax_m, ax_v):
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"Moments through depth at initialization (MNIST inputs): {result.label}", fontsize=10
    )
    return fig


def depth_loss_curves(result):
    """SNN paper Fig. 1: training loss per epoch of SNN (solid) vs BatchNorm (dashed) MLPs.

    Takes an ``snn_depth`` Result; one panel per dataset, one colour per
    depth, log scale, mean and min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> loss = {"mnist/snn/8": [[2.3, 1.0]], "mnist/bn/8": [[2.3, 1.5]]}
        >>> len(depth_loss_curves(Result("s", "small", {}, [0], {"train_loss": loss})).axes)
        1
    """
    import matplotlib.pyplot as plt

    loss = result.metrics["train_loss"]
    datasets = result.config.get("datasets") or list(dict.fromkeys(k.split("/")[0] for k in loss))
    depths = sorted({int(k.split("/")[2]) for k in loss})
    nets = result.config.get("nets") or ["snn", "bn"]
    colors = dict(zip(depths, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(5 * len(datasets), 3.8), layout="constrained", squeeze=False
    )
    for ax, ds in zip(axes[0], datasets):
        for net, depth in ((n, d) for n in nets for d in depths):
            runs = loss[f"{ds}/{net}/{depth}"]
            line = seed_band(
                ax,
                np.arange(len(runs[0])),
                runs,
                color=colors[depth],
                label=f"{'SNN' if net == 'snn' else 'BatchNorm'} depth {depth}",
                log=True,
            )
            if net != "snn":
                line.set_linestyle("--")
        ax.set(xlabel="epoch", ylabel="training-set cross-entropy", title=ds)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle(f"SNN (solid) vs BatchNorm (dashed) MLPs: {result.label}", fontsize=10)
    return fig


def accuracy_comparison(result):
    """Test accuracy per net and dataset: one dot per seed and the mean.

    Takes a ``selu_vs_bn`` Result (``summary["test_accuracy"]`` keyed by
    ``"dataset/net"``).

    Example:
        >>> from normlab.results import Result
        >>> s = {"test_accuracy": {"mnist/selu": [0.9, 0.91], "mnist/relu_bn": [0.92, 0.93]}}
        >>> len(accuracy_comparison(Result("a", "small", {}, [0, 1], {}, s)).axes)
        1
    """
    import matplotlib.pyplot as plt

    acc = result.summary["test_accuracy"]
    datasets = result.config.get("datasets") or list(dict.fromkeys(k.split("/")[0] for k in acc))
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(4 * len(datasets), 3.2), layout="constrained", squeeze=False
    )
    for ax, ds in zip(axes[0], datasets):
        nets = result.config.get("nets") or [k.split("/")[1] for k in acc if k.startswith(f"{ds}/")]
        keys = [f"{ds}/{n}" for n in nets]
        for i, key in enumerate(keys):
            values = 100 * np.asarray(acc[key])
            ax.plot(np.full(len(values), i), values, "o", alpha=0.6)
            ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, "k-")
        ax.set_xticks(range(len(keys)), [k.split("/")[1] for k in keys])
        ax.set_xlim(-0.6, len(keys) - 0.4)
        ax.set(ylabel="test accuracy (%)", title=ds)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Test accuracy per seed (bar: mean): {result.label}", fontsize=10)
    return fig


# --- chapter "Weight normalization" ----------------------------------------------------------

_PARAM_LABELS = {
    "normal": "normal param.",
    "weight_norm": "weight norm",
    "batch_norm": "batch norm",
    "weight_norm_mean_only": "WN + mean-only BN",
}


def weight_norm_curves(result):
    """Weight-normalization paper Fig. 1: training error per epoch of each parameterization.

    Takes a ``weight_norm_cifar`` Result. Left: training error (train mode,
    averaged over each epoch's minibatches); right: test error. Mean and
    min-max band over seeds.

    Example:
        >>> from normlab.results import Result
        >>> h = {"epoch": [1, 2], "train_accuracy": [0.5, 0.6], "test_accuracy": [0.5, 0.55]}
        >>> r = Result("demo", "small", {}, [0], {"histories": {"normal": [h]}})
        >>> len(weight_norm_curves(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_tr, ax_te) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    histories = result.metrics["histories"]
    for p in result.config.get("parameterizations", list(histories)):  # the paper's order
        hs = histories[p]
        epochs = hs[0]["epoch"]
        label = _PARAM_LABELS.get(p, p)
        seed_band(
            ax_tr, epochs, [100 * (1 - np.asarray(h["train_accuracy"])) for h in hs], label=label
        )
        seed_band(
            ax_te, epochs, [100 * (1 - np.asarray(h["test_accuracy"])) for h in hs], label=label
        )
    ax_tr.set(xlabel="epoch", ylabel="training error (%)")
    ax_te.set(xlabel="epoch", ylabel="test error (%)")
    for ax in (ax_tr, ax_te):
        ax.grid(alpha=0.3)
    ax_tr.legend(fontsize=8)
    fig.suptitle(f"ConvPool-CNN-C on CIFAR-10: {result.label}", fontsize=10)
    return fig


def preactivation_std_plot(stats: dict, *, title: str = ""):
    """Per-layer spread of the units' pre-activation std and mean, for several models/states.

    ``stats`` maps a label (e.g. ``"before init"``) to the list of
    :func:`normlab.init.preactivation_moments`; each layer shows the median
    over units with a band from the minimum to the maximum unit.

    Example:
        >>> import numpy as np
        >>> row = {"layer": "a", "mean": np.zeros(3), "std": np.ones(3)}
        >>> len(preactivation_std_plot({"after": [row, row]}).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_sd, ax_mu) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for label, rows in stats.items():
        layers = np.arange(1, len(rows) + 1)
        for ax, key in ((ax_sd, "std"), (ax_mu, "mean")):
            vals = [np.asarray(r[key]) for r in rows]
            (line,) = ax.plot(layers, [np.median(v) for v in vals], marker="o", label=label)
            ax.fill_between(
                layers,
                [v.min() for v in vals],
                [v.max() for v in vals],
                color=line.get_color(),
                alpha=0.2,
                lw=0,
            )
    ax_sd.set(xlabel="layer", ylabel="pre-activation std per unit", yscale="log")
    ax_mu.set(xlabel="layer", ylabel="pre-activation mean per unit")
    for ax in (ax_sd, ax_mu):
        ax.grid(alpha=0.3)
    ax_sd.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


# --- shattered gradients (Balduzzi et al. 2017) -----------------------------------------------


def gradient_lines(result):
    """Paper Fig. 1: gradients along a 1-D input beside brown and white noise.

    Example:
        >>> from normlab.results import Result
        >>> lines = [{"name": "1-layer", "gradient": [1.0, 2.0]},
        ...          {"name": "white noise", "gradient": [0.1, -1.0]}]
        >>> r = Result("demo", "small", {}, [0], {"x": [0.0, 1.0], "gradients": lines})
        >>> len(gradient_lines(r).axes)
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


def depth_sweep(result):
    """Final test accuracy against depth per family, and test curves at the largest depth.

    Example:
        >>> from normlab.results import Result
        >>> h = {"epoch": [1, 2], "test_accuracy": [0.8, 0.9]}
        >>> r = Result("demo", "small", {}, [0], {"runs": {"LL": {"5": [h], "9": [h]}}})
        >>> len(depth_sweep(r).axes)
        2
    """
    import matplotlib.pyplot as plt

    fig, (ax_d, ax_c) = plt.subplots(1, 2, figsize=(9, 3.3), layout="constrained")
    for family, by_depth in result.metrics["runs"].items():
        depths = sorted(by_depth, key=int)
        finals = [[100 * h["test_accuracy"][-1] for h in by_depth[d]] for d in depths]
        line = seed_band(ax_d, [int(d) for d in depths], np.asarray(finals).T, label=family)
        ax_d.plot([int(d) for d in depths], np.mean(finals, 1), "o", color=line.get_color())
        deepest = by_depth[depths[-1]]
        curves = [100 * np.asarray(h["test_accuracy"]) for h in deepest]
        seed_band(
            ax_c,
            deepest[0]["epoch"],
            curves,
            label=f"{family}, L={depths[-1]}",
            color=line.get_color(),
        )
    ax_d.set(xlabel="depth (hidden layers)", ylabel="final test accuracy (%)")
    ax_c.set(xlabel="epoch", ylabel="test accuracy (%)")
    for ax in (ax_d, ax_c):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Training at increasing depth: {result.label}", fontsize=10)
    return fig


def dropout_moments_depth(result):
    """Mean and variance of every layer's activations: no dropout, standard, alpha dropout.

    Takes the ``alpha_dropout_moments`` Result.
    """
    import matplotlib.pyplot as plt

    moments = result.metrics["depth_moments"]
    names = {"none": "no dropout", "standard": "standard dropout", "alpha": "alpha dropout"}
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
    fig.suptitle(f"SELU net, width {result.config['width']}: {result.label}", fontsize=10)
    return fig


def variant_accuracy(result, *, reference: dict | None = None):
    """Test accuracy per epoch for each variant, one panel per task; ``reference`` as lines.

    Takes a Result whose ``metrics[task][variant]`` are Histories (``alpha_dropout``);
    ``reference[task][activation]`` (percent) is drawn as a dotted line.
    """
    import matplotlib.pyplot as plt

    tasks = list(result.metrics)
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(4.6 * len(tasks), 3.4), layout="constrained", squeeze=False
    )
    for ax, task in zip(axes[0], tasks):
        for variant, hs in result.metrics[task].items():
            seed_band(
                ax,
                hs[0]["epoch"],
                [100 * np.asarray(h["test_accuracy"]) for h in hs],
                label=variant.replace("_", " + "),
            )
        for name, value in (reference or {}).get(task, {}).items():
            ax.axhline(value, ls=":", lw=1, color="k")
            ax.annotate(
                f"tutorial {name} {value:g}",
                (0.02, value),
                xycoords=("axes fraction", "data"),
                fontsize=7,
                va="bottom",
            )
        ax.set(title=task, xlabel="epoch", ylabel="test accuracy (%)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(result.label, fontsize=10)
    return fig


def fixed_point_maps(result):
    """Heat maps over target (mean, variance): alpha, spectral norm of g's Jacobian, basin.

    One row per convention (``fixed_point_map`` Result); white cells have no
    SELU with that fixed point; the contour marks spectral norm 1.
    """
    import matplotlib.pyplot as plt

    means, variances = np.asarray(result.metrics["means"]), np.asarray(result.metrics["variances"])
    conventions = result.config["conventions"]
    fig, axes = plt.subplots(
        len(conventions),
        3,
        figsize=(12, 3.3 * len(conventions)),
        layout="constrained",
        squeeze=False,
    )
    from matplotlib.colors import LogNorm

    panels = [
        ("alpha", r"$\alpha$ (blank: none)", "viridis", None),
        ("spectral_norm", r"spectral norm of $\mathcal{J}$", "coolwarm", (0.4, 1.6)),
        ("basin", "basin (fraction of starts)", "magma", (0, 1)),
    ]
    for row, convention in zip(axes, conventions):
        for ax, (key, title, cmap, lim) in zip(row, panels):
            z = np.asarray(result.metrics[convention][key], dtype=float).T
            kw = {"norm": LogNorm()} if lim is None else {"vmin": lim[0], "vmax": lim[1]}
            mesh = ax.pcolormesh(means, variances, z, cmap=cmap, shading="nearest", **kw)
            fig.colorbar(mesh, ax=ax)
            if key == "spectral_norm" and np.nanmin(z) < 1 < np.nanmax(z):
                ax.contour(means, variances, z, levels=[1.0], colors="k", linewidths=1)
            ax.plot([0], [1], "k*", ms=9)
            ax.set(
                yscale="log",
                xlabel="target mean",
                ylabel="target variance",
                title=f"{convention.replace('_', ' ')}: {title}",
            )
            ax.title.set_fontsize(9)
    fig.suptitle(f"SELU fixed points (star: (0, 1)): {result.label}", fontsize=10)
    return fig


def fixed_point_depth_curves(result):
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
    axes[1].set(xlabel="layer", ylabel="variance of activations", yscale="log", ylim=(0.05, 20))
    axes[1].legend(fontsize=7, loc="upper left")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"width {result.config['width']}, inputs N({result.config['input_mean']:g}, "
        f"{result.config['input_var']:g}): {result.label}",
        fontsize=10,
    )
    return fig


def fixed_point_training_curves(result):
    """Training loss and test accuracy per target at the largest depth, one row per task.

    Takes the ``fixed_point_training`` Result.
    """
    import matplotlib.pyplot as plt

    tasks = list(result.metrics)
    fig, axes = plt.subplots(
        len(tasks), 2, figsize=(9, 3.2 * len(tasks)), layout="constrained", squeeze=False
    )
    for row, task in zip(axes, tasks):
        depth = max(result.metrics[task], key=int)
        for label, hs in result.metrics[task][depth].items():
            ep = hs[0]["epoch"]
            seed_band(row[0], ep, [h["train_loss"] for h in hs], log=True, label=label)
            seed_band(row[1], ep, [100 * np.asarray(h["test_accuracy"]) for h in hs], label=label)
        row[0].set(title=f"{task}, depth {depth}", xlabel="epoch", ylabel="training loss")
        row[1].set(title=f"{task}, depth {depth}", xlabel="epoch", ylabel="test accuracy (%)")
        for ax in row:
            ax.grid(alpha=0.3)
    axes[0][1].legend(title="target (mean, var)", fontsize=8)
    fig.suptitle(result.label, fontsize=10)
    return fig


def scorecard_chart(table: list[dict]):
    """Claims per chapter, stacked by status, from :func:`normlab.scorecard.rows`.

    Example:
        >>> fig = scorecard_chart([{"chapter": "A", "status": "reproduced"},
        ...                        {"chapter": "A", "status": "partly"}])
        >>> len(fig.axes)
        1
    """
    import matplotlib.pyplot as plt

    from normlab.scorecard import STATUSES

    chapters = list(dict.fromkeys(row["chapter"] for row in table))
    colors = {"reproduced": "tab:green", "partly": "tab:orange", "not reproduced": "tab:red"}
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(chapters)), layout="constrained")
    left = np.zeros(len(chapters))
    for status in STATUSES:
        counts = np.array(
            [sum(r["chapter"] == c and r["status"] == status for r in table) for c in chapters]
        )
        ax.barh(chapters, counts, left=left, color=colors[status], label=status)
        left += counts
    ax.invert_yaxis()
    ax.set_xlabel("checked claims")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower right", fontsize=8)
    return fig


# experiment name -> the figure its chapter shows first
_FIGURES = {
    "mlp_mnist": learning_curves,
    "elu_mnist": activation_curves,
    "snn_moment_map": moment_map_quiver,
    "snn_moments_depth": moments_through_depth,
    "snn_depth": depth_loss_curves,
    "selu_vs_bn": accuracy_comparison,
    "alpha_dropout_moments": dropout_moments_depth,
    "alpha_dropout": variant_accuracy,
    "fixed_point_map": fixed_point_maps,
    "fixed_point_depth": fixed_point_depth_curves,
    "fixed_point_training": fixed_point_training_curves,
    "shattered_gradients": gradient_lines,
    "looks_linear": depth_sweep,
    "weight_norm_cifar": weight_norm_curves,
}


def figure(result):
    """The main figure of ``result``'s experiment (the one its chapter shows first).

    Example:
        >>> from normlab.results import Result
        >>> h = {"epoch": [1, 2], "train_loss": [0.5, 0.3], "test_accuracy": [0.9, 0.95]}
        >>> fig = figure(Result("mlp_mnist", "small", {}, [0], {"histories": [h]}))
        >>> len(fig.axes)
        2
    """
    if result.name not in _FIGURES:
        raise ValueError(f"no figure for experiment {result.name!r}; known: {sorted(_FIGURES)}")
    return _FIGURES[result.name](result)
