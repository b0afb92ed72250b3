"""SNN paper Fig. 2: the moment map g of a SELU layer over (mu, nu), its fixed point and Jacobian.

Analytic (no training): :func:`normlab.snn.moment_map` on a grid for the
quiver plot, the fixed point by Newton's method, the Jacobian there and its
spectral norm (paper eq. 6: 0.7877), all in float64. The paper's figure uses
omega = 0, tau = 1 and mu in [-0.1, 0.1], nu in [0.8, 1.5]. Both profiles are
the same.
"""

from __future__ import annotations

import jax
import numpy as np

from normlab import snn
from normlab.experiments import profile_config
from normlab.results import Result
from normlab.scorecard import Claim

FULL = {
    "omega": 0.0,
    "tau": 1.0,
    "mu_range": [-0.1, 0.1],
    "nu_range": [0.8, 1.5],
    "grid": 15,
    "seeds": [0],  # deterministic: no randomness is used
}
SMALL: dict = {}


def get_config(profile: str = "small") -> dict:
    """The experiment's config at ``profile`` (``"small"`` or ``"full"``)."""
    return profile_config(FULL, SMALL, profile)


def run(config: dict, *, seeds: list[int], progress: bool | None = None) -> Result:
    """Evaluate g, its Jacobian and spectral norm on the grid and at the fixed point."""
    omega, tau = config["omega"], config["tau"]
    mu = np.linspace(*config["mu_range"], config["grid"])
    nu = np.linspace(*config["nu_range"], config["grid"])
    mu_grid, nu_grid = np.meshgrid(mu, nu)
    fixed = snn.fixed_point(omega, tau)
    # float64 arrays must become numpy before leaving the context
    with jax.enable_x64(True):
        g_mu, g_nu = (
            np.asarray(a) for a in snn.moment_map(mu_grid, nu_grid, omega, tau)
        )
        norms = np.asarray(snn.spectral_norm(mu_grid, nu_grid, omega, tau))
        jac = np.asarray(snn.jacobian(*fixed, omega, tau))
        norm = float(snn.spectral_norm(*fixed, omega, tau))
    return Result(
        name="",
        profile="",
        config=config,
        seeds=list(seeds),
        metrics={
            "mu": mu_grid,
            "nu": nu_grid,
            "g_mu": g_mu,
            "g_nu": g_nu,
            "spectral_norm_grid": norms,
        },
        summary={
            "fixed_point": list(fixed),
            "jacobian": jac,
            "spectral_norm": norm,
            "max_spectral_norm_on_grid": float(np.max(norms)),
        },
    )


def figure(result):
    r"""SNN paper Fig. 2: arrows from :math:`(\mu, \nu)` to :math:`g(\mu, \nu)`, fixed point marked.

    Takes an ``snn_moment_map`` Result. Arrows show :math:`g(x) - x`, coloured
    by the spectral norm of the Jacobian at their tail.

    Example:
        >>> from normlab.results import Result
        >>> m = {k: [[0.0, 0.1], [0.0, 0.1]] for k in ("mu", "g_mu", "spectral_norm_grid")}
        >>> m.update(nu=[[1.0, 1.0], [1.2, 1.2]], g_nu=[[1.0, 1.0], [1.1, 1.1]])
        >>> s = {"fixed_point": [0.0, 1.0], "spectral_norm": 0.79}
        >>> len(figure(Result("m", "small", {}, [0], m, s)).axes)
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
    ax.set(
        xlabel=r"$\mu$ (mean of the inputs)", ylabel=r"$\nu$ (variance of the inputs)"
    )
    ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(
        r"SELU moment map $g$ at $\omega = 0$, $\tau = 1$ (analytic, float64)",
        fontsize=10,
    )
    return fig


def _jacobian(r: Result):
    jac, norm = np.asarray(r.summary["jacobian"]), r.summary["spectral_norm"]
    ok = (
        np.allclose(jac, [[0, 0.088834], [0, 0.782648]], atol=1e-6)
        and abs(norm - 0.7877) < 1e-4
    )
    return (
        f"J = [[{jac[0, 0]:.6f}, {jac[0, 1]:.6f}], [{jac[1, 0]:.6f}, {jac[1, 1]:.6f}]], "
        f"spectral norm {norm:.6f}"
    ), "reproduced" if ok else "not reproduced"


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "Jacobian of the moment map at (0, 1), omega = 0, tau = 1",
        "[[0, 0.088834], [0, 0.782648]], spectral norm 0.7877 (eq. 6)",
        _jacobian,
    ),
]
