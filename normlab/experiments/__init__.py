"""The reproduced experiments, one module each.

Every module defines ``get_config(profile)`` (``"small"`` for this CPU in
about a minute, ``"full"`` for one GPU; the small profile only overrides
fields of the full one) and ``run(config, *, seeds, progress) -> Result``.
Run them through :func:`normlab.results.run_experiment` or the command line
``python -m normlab run NAME``.

Example:
    >>> "mlp_mnist" in names()
    True
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["PROFILES", "default_profile", "get", "longest_first", "names", "profile_config"]

PROFILES = ("small", "full")

# name -> module under normlab.experiments; imported only when used. Listed longest
# small-profile run first (wall times of the CI book build, 2 cores), the order in which
# `python -m normlab reproduce --jobs N` starts them, so the short ones fill in behind.
_REGISTRY = {
    "weight_norm_cifar": "weight_norm_cifar",  # 132 s
    "shattered_gradients": "shattered_gradients",  # 75 s
    "snn_depth": "snn_depth",  # 73 s
    "alpha_dropout": "alpha_dropout",  # 72 s
    "looks_linear": "looks_linear",  # 70 s
    "fixed_point_training": "fixed_point_training",  # 43 s
    "elu_mnist": "elu_mnist",  # 24 s
    "selu_vs_bn": "selu_vs_bn",  # 23 s
    "mlp_mnist": "mlp_mnist",  # 18 s
    "fixed_point_depth": "fixed_point_depth",  # 9 s
    "alpha_dropout_moments": "alpha_dropout_moments",  # 8 s
    "snn_moments_depth": "snn_moments_depth",  # 7 s
    "snn_moment_map": "snn_moment_map",  # 6 s
    "fixed_point_map": "fixed_point_map",  # 4 s
}


def default_profile() -> str:
    """``$NORMLAB_PROFILE`` if set, else ``"full"`` on a GPU and ``"small"`` otherwise.

    The book's chapters call this, so a chapter opened in Colab on a GPU runs
    the paper-scale profile and the book build on a CPU the small one.
    """
    import os

    import jax

    profile = os.environ.get("NORMLAB_PROFILE") or (
        "small" if jax.default_backend() == "cpu" else "full"
    )
    if profile not in PROFILES:
        raise ValueError(f"NORMLAB_PROFILE={profile!r}; allowed: {', '.join(PROFILES)}")
    return profile


def names() -> list[str]:
    """The experiment names, sorted."""
    return sorted(_REGISTRY)


def longest_first() -> list[str]:
    """The experiment names, longest small-profile run first (as measured in CI)."""
    return list(_REGISTRY)


def get(name: str) -> ModuleType:
    """The module of experiment ``name``."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown experiment name={name!r}; allowed: {', '.join(names())}")
    return importlib.import_module(f"{__name__}.{_REGISTRY[name]}")


def profile_config(full: dict, small: dict, profile: str) -> dict:
    """``full`` for ``"full"``; ``full`` with the ``small`` overrides for ``"small"``.

    Example:
        >>> profile_config({"epochs": 20, "lr": 0.1}, {"epochs": 2}, "small")
        {'epochs': 2, 'lr': 0.1}
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile={profile!r}; allowed: {', '.join(PROFILES)}")
    unknown = set(small) - set(full)
    if unknown:
        raise KeyError(f"small profile overrides fields the full config lacks: {sorted(unknown)}")
    return dict(full) if profile == "full" else {**full, **small}
