"""Self-normalization at any fixed point: existence, stability and basin over a grid of targets.

For every target (mean, variance) on a grid and each convention of
:func:`normlab.activations.selu_parameters`, the experiment records

- whether a SELU (alpha > 0, lambda > 0) with that fixed point exists,
- the spectral radius of the Jacobian of the moment map g at the fixed point
  (:func:`normlab.snn.spectral_radius`; below 1: locally stable) and its
  spectral norm (:func:`normlab.snn.spectral_norm`; below 1: a contraction,
  sufficient for stability, not necessary), with the weight statistics the
  convention assumes (``notebook``: omega = 1,
  tau = 1; ``normalized_weights``: omega = 0, tau = 1),
- the size of its basin of attraction: the fraction of starting moments
  (mu0, nu0) on a grid whose iterates under g reach the target within
  ``tol`` after ``iterations`` layers.

Pure analysis in float64 (closed forms), no training.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from normlab import snn
from normlab.activations import selu_parameters
from normlab.experiments import profile_config
from normlab.experiments._selu_nets import WEIGHT_STATS
from normlab.results import Result

FULL = {
    "conventions": ["normalized_weights", "notebook"],
    "means": [-1.0, 1.0, 41],
    "variances": [0.05, 20.0, 41],
    "start_means": [-3.0, 3.0, 61],
    "start_variances": [0.01, 100.0, 61],
    "iterations": 200,
    "tol": 1e-3,
    "seeds": [0],
}
SMALL = {
    "means": [-1.0, 1.0, 13],
    "variances": [0.05, 20.0, 13],
    "start_means": [-3.0, 3.0, 15],
    "start_variances": [0.01, 100.0, 15],
    "iterations": 100,
}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def _grid(lin, log):
    return (np.linspace(*lin[:2], int(lin[2])), np.geomspace(*log[:2], int(log[2])))


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Existence, spectral radius and norm, and basin fraction per convention on the target grid."""
    means, variances = _grid(config["means"], config["variances"])
    m0, v0 = _grid(config["start_means"], config["start_variances"])
    starts = np.stack(np.meshgrid(m0, v0, indexing="ij"), -1).reshape(-1, 2)
    out = {}
    for convention in config["conventions"]:
        omega, tau = WEIGHT_STATS[convention]
        params = np.full((len(means), len(variances), 2), np.nan)
        for i, m in enumerate(means):
            for j, v in enumerate(variances):
                try:
                    params[i, j] = selu_parameters(m, v, convention=convention)
                except ValueError:
                    pass
        exists = ~np.isnan(params[..., 0])
        target = np.stack(np.meshgrid(means, variances, indexing="ij"), -1)
        with jax.enable_x64(True):
            a = jnp.where(exists, params[..., 0], 1.0)
            lam = jnp.where(exists, params[..., 1], 1.0)
            flat = (target[..., 0].reshape(-1), target[..., 1].reshape(-1))
            norm, radius = (
                jax.vmap(
                    lambda m, v, a_, l_, f=f: f(m, v, omega, tau, alpha=a_, lam=l_)
                )(*flat, a.reshape(-1), lam.reshape(-1)).reshape(exists.shape)
                for f in (snn.spectral_norm, snn.spectral_radius)
            )
            basin = _basin(
                a.reshape(-1),
                lam.reshape(-1),
                target.reshape(-1, 2),
                starts,
                omega,
                tau,
                config["iterations"],
                config["tol"],
            )
        out[convention] = {
            "exists": exists.tolist(),
            "alpha": params[..., 0].tolist(),
            "lambda": params[..., 1].tolist(),
            "spectral_norm": np.where(exists, np.asarray(norm), np.nan).tolist(),
            "spectral_radius": np.where(exists, np.asarray(radius), np.nan).tolist(),
            "basin": np.where(
                exists, np.asarray(basin).reshape(exists.shape), np.nan
            ).tolist(),
        }
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={"means": means.tolist(), "variances": variances.tolist(), **out},
        summary={c: _summary(out[c]) for c in config["conventions"]},
    )


@jax.jit
def _iterate(a, lam, starts, omega, tau, iterations):
    """g applied ``iterations`` times to every start, for every (alpha, lambda): (T, S, 2)."""

    def body(_, x):
        mu, nu = snn.moment_map(
            x[..., 0], x[..., 1], omega, tau, alpha=a[:, None], lam=lam[:, None]
        )
        return jnp.stack([mu, jnp.where(nu > 0, nu, jnp.nan)], -1)

    x = jnp.broadcast_to(starts, (a.shape[0], *starts.shape))
    return jax.lax.fori_loop(0, iterations, body, x)


def _basin(a, lam, targets, starts, omega, tau, iterations, tol):
    """Fraction of starts whose iterates end within ``tol`` (relative) of the target."""
    x = _iterate(a, lam, jnp.asarray(starts), omega, tau, iterations)
    t = jnp.asarray(targets)[:, None, :]
    close = (jnp.abs(x[..., 0] - t[..., 0]) <= tol * jnp.sqrt(t[..., 1])) & (
        jnp.abs(x[..., 1] - t[..., 1]) <= tol * t[..., 1]
    )
    return close.mean(axis=1)


def _summary(maps: dict) -> dict:
    """Fractions of the grid with a solution; of those: stable (radius < 1), contracting
    (norm < 1), with a full and with an empty basin."""
    exists = np.asarray(maps["exists"])
    norm = np.asarray(maps["spectral_norm"], float)[exists]
    radius = np.asarray(maps["spectral_radius"], float)[exists]
    basin = np.asarray(maps["basin"], float)[exists]
    return {
        "fraction_existing": float(exists.mean()),
        "fraction_stable": float(np.mean(radius < 1)) if radius.size else 0.0,
        "fraction_contracting": float(np.mean(norm < 1)) if norm.size else 0.0,
        "fraction_full_basin": float(np.mean(basin == 1)) if basin.size else 0.0,
        "fraction_empty_basin": float(np.mean(basin == 0)) if basin.size else 0.0,
    }


def missing(result: Result) -> list[str]:
    """``["spectral_radius"]`` for a Result made when stability was judged by the norm.

    Example:
        >>> missing(Result("fixed_point_map", "full", {}, [0], {"paper": {}}))
        ['spectral_radius']
    """
    metrics = result.metrics or {}
    old = any(
        "spectral_radius" not in m for m in metrics.values() if isinstance(m, dict)
    )
    return ["spectral_radius"] if old or not metrics else []


def interactive(result) -> str:
    """The map as a page to play with (HTML and JavaScript, no kernel): ``_fixed_point_widget``."""
    from normlab.experiments._fixed_point_widget import html

    return html(result)


def figure(result):
    """Heat maps over target (mean, variance): alpha, spectral radius of g's Jacobian, basin.

    One row per convention (``fixed_point_map`` Result); white cells have no
    SELU with that fixed point; the contour marks spectral radius 1. A Result
    made before the radius was recorded shows its spectral norm instead.
    """
    import matplotlib.pyplot as plt

    means, variances = (
        np.asarray(result.metrics["means"]),
        np.asarray(result.metrics["variances"]),
    )
    conventions = result.config["conventions"]
    fig, axes = plt.subplots(
        len(conventions),
        3,
        figsize=(12, 3.3 * len(conventions)),
        layout="constrained",
        squeeze=False,
    )
    from matplotlib.colors import LogNorm

    measure = (
        "spectral_radius"
        if "spectral_radius" in result.metrics[conventions[0]]
        else "spectral_norm"
    )
    panels = [
        ("alpha", r"$\alpha$ (blank: none)", "viridis", None),
        (
            measure,
            measure.replace("_", " ") + r" of $\mathcal{J}$",
            "coolwarm",
            (0.4, 1.6),
        ),
        ("basin", "basin (fraction of starts)", "magma", (0, 1)),
    ]
    for row, convention in zip(axes, conventions):
        for ax, (key, title, cmap, lim) in zip(row, panels):
            z = np.asarray(result.metrics[convention][key], dtype=float).T
            kw = (
                {"norm": LogNorm()} if lim is None else {"vmin": lim[0], "vmax": lim[1]}
            )
            mesh = ax.pcolormesh(
                means, variances, z, cmap=cmap, shading="nearest", **kw
            )
            fig.colorbar(mesh, ax=ax)
            if key == measure and np.nanmin(z) < 1 < np.nanmax(z):
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
