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
    with jax.enable_x64(True):  # float64 arrays must become numpy before leaving the context
        g_mu, g_nu = (np.asarray(a) for a in snn.moment_map(mu_grid, nu_grid, omega, tau))
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
