"""Figures from Results: each takes a Result and returns a matplotlib Figure.

Curves over seeds are drawn as the mean with a band from the minimum to the
maximum; every figure's title ends with the Result's label (profile, seeds,
hardware), so a figure always says what made it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["glue", "learning_curves", "seed_band"]


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
