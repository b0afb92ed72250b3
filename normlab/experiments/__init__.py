"""The reproduced experiments, one self-contained module each.

Every module holds all there is to one experiment:

- ``get_config(profile)``: ``"small"`` for this CPU in about a minute,
  ``"full"`` for one GPU; the small profile only overrides fields of the full one;
- ``run(config, *, seeds, progress) -> Result``;
- ``figure(result)``: its main figure (the one its chapter shows first), and any
  further figure functions the chapter uses;
- ``CLAIMS``: the paper's claims it checks, each with the rule that judges it
  (:class:`normlab.scorecard.Claim`; experiments that check no claim have none).

This package runs them with the result cache (:func:`run_experiment`, or the
command line ``python -m normlab run NAME``), finds the committed full-profile
Results (:func:`committed`) and says whether one is outdated (:func:`outdated`).
Adding an experiment means one module here, one line in the registry, and one
chapter cell.

Example:
    >>> "mlp_mnist" in names()
    True
"""

from __future__ import annotations

import importlib
import os
import time
from types import ModuleType

from normlab import results
from normlab.results import Result

__all__ = [
    "PROFILES",
    "committed",
    "datasets",
    "default_profile",
    "figure",
    "get",
    "lead",
    "longest_first",
    "names",
    "outdated",
    "outdated_note",
    "profile_config",
    "run_experiment",
]

PROFILES = ("small", "full")

# name -> module under normlab.experiments; imported only when used. Listed longest
# small-profile run first (wall times of the CI book build, 2 cores), the order in which
# `python -m normlab reproduce --jobs N` starts them, so the short ones fill in behind.
_REGISTRY = {
    "weight_norm_cifar": "weight_norm_cifar",  # 132 s
    "shattered_gradients": "shattered_gradients",  # 75 s
    "snn_depth": "snn_depth",  # 73 s
    "alpha_dropout": "alpha_dropout",  # 72 s
    "dropout_regularization": "dropout_regularization",
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
    "fixed_point_gradients": "fixed_point_gradients",
    "signal_propagation": "signal_propagation",
}

# The datasets each experiment's profiles read, known without importing it (and JAX), so that
# the command line reports a missing dataset at once; tests check it against the configs.
_MNIST, _CIFAR, _BOTH = ("mnist",), ("cifar10",), ("mnist", "cifar10")
_DATASETS = {
    "weight_norm_cifar": _CIFAR,
    "snn_depth": _BOTH,
    "alpha_dropout": _BOTH,
    "dropout_regularization": _MNIST,
    "looks_linear": {"small": _MNIST, "full": _CIFAR},
    "fixed_point_training": _BOTH,
    "elu_mnist": _MNIST,
    "selu_vs_bn": _BOTH,
    "mlp_mnist": _MNIST,
    "snn_moments_depth": _MNIST,
    "signal_propagation": _MNIST,
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


def datasets(name: str, profile: str) -> tuple[str, ...]:
    """The datasets that experiment ``name`` reads in ``profile``, without importing it.

    Example:
        >>> datasets("looks_linear", "full"), datasets("fixed_point_map", "small")
        (('cifar10',), ())
    """
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown experiment name={name!r}; allowed: {', '.join(names())}"
        )
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r} must be one of {PROFILES}")
    used = _DATASETS.get(name, ())
    return used[profile] if isinstance(used, dict) else used


def get(name: str) -> ModuleType:
    """The module of experiment ``name``."""
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown experiment name={name!r}; allowed: {', '.join(names())}"
        )
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
        raise KeyError(
            f"small profile overrides fields the full config lacks: {sorted(unknown)}"
        )
    return dict(full) if profile == "full" else {**full, **small}


def run_experiment(
    name: str,
    *,
    profile: str = "small",
    seeds: list[int] | None = None,
    overrides: dict | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    progress: bool | None = None,
) -> Result:
    """Run experiment ``name`` at ``profile``, or load its cached Result.

    Args:
        name: an experiment of :func:`names`.
        profile: ``"small"`` (this CPU, about a minute) or ``"full"`` (one GPU).
        seeds: integer seeds; default the profile's.
        overrides: config fields to change (they enter the cache key).
        cache_dir: where Results are cached (see :func:`normlab.results.cache_path`).
        use_cache: load a cached Result if present, and save the new one.
        progress: show progress bars (default: off when ``$CI`` is set).
    """
    module = get(name)
    config = module.get_config(profile)
    unknown = set(overrides or {}) - set(config)
    if unknown:
        raise ValueError(
            f"unknown config fields for {name!r}: {sorted(unknown)}; allowed: {sorted(config)}"
        )
    config.update(overrides or {})
    profile_seeds = config.pop("seeds")
    seeds = [int(s) for s in (profile_seeds if seeds is None else seeds)]
    path = results.cache_path(name, profile, config, seeds, cache_dir)
    if use_cache and path.is_file():
        return results.load(path)
    start = time.perf_counter()
    result = module.run(config, seeds=seeds, progress=progress)
    result.name, result.profile, result.config, result.seeds = (
        name,
        profile,
        config,
        seeds,
    )
    result.wall_time_s = time.perf_counter() - start
    result.environment = results.environment()
    result.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if use_cache:
        results.save(result, path)
    return result


def outdated(result: Result) -> list[str]:
    """The config fields in which ``result`` differs from its experiment's current config.

    Empty when the Result was made with the config :func:`run_experiment`
    would use today for its profile (seeds aside); a committed Result with a
    non-empty list is shown as outdated and not judged. An experiment module
    may also define ``missing(result) -> list[str]``, the statistics its
    code records today that ``result`` lacks (same config, older code).

    Example:
        >>> r = Result("mlp_mnist", "full", {"epochs": -1}, [0], {})
        >>> "epochs" in outdated(r)
        True
    """
    module = get(result.name)
    current = module.get_config(result.profile)
    current.pop("seeds")
    recorded = results._plain(result.config)
    current = results._plain(current)
    changed = [
        k for k in set(current) | set(recorded) if current.get(k) != recorded.get(k)
    ]
    # a module's own test for Results its code no longer makes (a statistic it now records)
    changed += getattr(module, "missing", lambda r: [])(result)
    return sorted(changed)


def committed(
    name: str, profile: str = "full", *, folder: str | os.PathLike | None = None
) -> Result | None:
    """The committed Result of ``name`` at ``profile`` (book/results/), or None.

    Its ``outdated`` field lists the config fields changed since it ran
    (:func:`outdated`), so its figure captions and scorecard rows say so.

    Example:
        >>> committed("mlp_mnist", folder="no/such/folder") is None
        True
    """
    result = results.committed(name, profile, folder=folder)
    if result is not None:
        result.outdated = outdated(result)
    return result


def outdated_note(result: Result) -> str:
    """The mark a chapter shows beside an outdated committed Result (Markdown), or ``""``.

    The book's browser check requires ``NAME: OUTDATED`` on every page that
    loads an outdated committed Result.

    Example:
        >>> r = Result("mlp_mnist", "full", {}, [0], {}, environment={"device_kind": "H200"})
        >>> r.outdated = ["epochs"]
        >>> outdated_note(r).split(":")[0]
        '**mlp_mnist'
    """
    if not result.outdated:
        return ""
    return (
        f"**{result.name}: OUTDATED**: the committed {result.profile}-profile run "
        f"({result.hardware}) predates changes to its config "
        f"({', '.join(result.outdated)}); it is not judged. Rerun it on a GPU: "
        f"`python -m normlab reproduce --profile {result.profile} --only {result.name}`."
    )


def lead(
    name: str, profile: str, *, folder: str | os.PathLike | None = None
) -> tuple[Result, str]:
    """The Result a chapter leads with, and the mark (Markdown) to show beside it.

    The committed full-profile Result when it is current; else this build's
    run at ``profile`` (:func:`run_experiment`, cached), with the
    :func:`outdated_note` of the committed Result it could not use (``""``
    when there is none). A build at ``profile="full"`` leads with its own run.

    Example:
        >>> r, note = lead("fixed_point_map", "small", folder="no/such/folder")
        >>> r.profile, note
        ('small', '')
    """
    full = committed(name, folder=folder) if profile != "full" else None
    if full is not None and not full.outdated:
        return full, ""
    return run_experiment(name, profile=profile), outdated_note(full) if full else ""


def figure(result: Result):
    """The main figure of ``result``'s experiment (the one its chapter shows first)."""
    return get(result.name).figure(result)
