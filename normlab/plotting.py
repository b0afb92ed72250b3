"""The shared drawing helpers: seed bands, glue for the book, the scorecard chart.

Each experiment's own figures live in its module (``normlab.experiments.NAME.figure``).

Curves over seeds are drawn as the mean with a band from the minimum to the
maximum; every figure's title ends with the Result's label (profile, seeds,
hardware), so a figure always says what made it.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "glue",
    "learning_curves",
    "preactivation_std_plot",
    "scorecard_chart",
    "seed_band",
]


def integer_epochs(*axes) -> None:
    """Put only whole numbers on the x axis of each of ``axes`` (epochs, layers).

    Example:
        >>> import matplotlib.pyplot as plt
        >>> fig, ax = plt.subplots()
        >>> _ = ax.plot([1, 2], [0.5, 0.3])
        >>> integer_epochs(ax)
        >>> all(float(t).is_integer() for t in ax.get_xticks())
        True
        >>> plt.close(fig)
    """
    for ax in axes:
        ax.xaxis.get_major_locator().set_params(integer=True)


def seed_band(ax, x, runs, *, label=None, color=None, log=False):
    """Plot the mean of ``runs`` (seeds x points) with a min-max band; return the line."""
    runs = np.asarray(runs, dtype=float)
    centre = np.exp(np.log(runs).mean(0)) if log else runs.mean(0)
    (line,) = ax.plot(x, centre, label=label, color=color)
    if len(runs) > 1:
        ax.fill_between(
            x, runs.min(0), runs.max(0), color=line.get_color(), alpha=0.2, lw=0
        )
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
    integer_epochs(ax_loss, ax_acc)
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


def lead(name: str, profile: str):
    """:func:`normlab.experiments.lead` for a chapter: return the Result, show its mark.

    The committed full-profile Result when it is current, else this build's
    run; the outdated mark of a committed Result it could not use is shown
    (as Markdown in a notebook, printed elsewhere).
    """
    from normlab import experiments

    result, note = experiments.lead(name, profile)
    if note:
        try:
            from IPython.display import Markdown, display
        except ImportError:
            print(note)
        else:
            display(Markdown(note))
    return result


def run_yourself(names, profile: str) -> list:
    """Run each experiment at ``profile`` and show its figure: a chapter's "Run it yourself".

    Every chapter ends with this cell: the live runs behind its figures, at the
    build's profile (the small one in the book's build, ``full`` on a GPU). Each
    run goes through :func:`normlab.experiments.run_experiment` (and its result
    cache); its label and wall time are printed above its figure.

    Example (trains; runs on a CPU in about a minute)::

        from normlab import plotting
        plotting.run_yourself(["mlp_mnist"], profile="small")

    Returns:
        The Results, in the order of ``names``.
    """
    import matplotlib.pyplot as plt

    from normlab import experiments

    if isinstance(names, str):
        raise TypeError(
            f"names must be a list of experiment names, got the string {names!r}"
        )
    results = []
    for name in names:
        live = experiments.run_experiment(name, profile=profile)
        print(f"{name}: {live.label}; wall time {live.wall_time_s:.0f} s")
        experiments.figure(live)
        plt.show()
        results.append(live)
    return results


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
            (line,) = ax.plot(
                layers, [np.median(v) for v in vals], marker="o", label=label
            )
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
    colors = {
        "reproduced": "tab:green",
        "partly": "tab:orange",
        "not reproduced": "tab:red",
        "not comparable": "tab:purple",
        "outdated": "tab:gray",
        "not run": "lightgray",
    }
    fig, ax = plt.subplots(
        figsize=(8, 0.5 + 0.45 * len(chapters)), layout="constrained"
    )
    left = np.zeros(len(chapters))
    for status in STATUSES:
        counts = np.array(
            [
                sum(r["chapter"] == c and r["status"] == status for r in table)
                for c in chapters
            ]
        )
        if counts.any():
            ax.barh(chapters, counts, left=left, color=colors[status], label=status)
        left += counts
    ax.invert_yaxis()
    ax.set_xlabel("checked claims")
    integer_epochs(ax)
    ax.legend(loc="lower right", fontsize=8)
    return fig
