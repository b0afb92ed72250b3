"""Results of experiments: what ran, on what, and what it measured, as JSON.

A :class:`Result` records the experiment's name, profile and full config,
the seeds, the library versions and the hardware, the wall time, and the
measured metrics. :func:`cache_path` names the cache file of a run by a
hash of its name, config and seeds, so rebuilding the book does not retrain
(:func:`normlab.experiments.run_experiment` runs or loads one). This module
knows nothing of the experiments themselves.

Example:
    >>> r = Result("demo", "small", {"lr": 0.1}, [0], {"loss": [1.0, 0.5]})
    >>> Result.from_json(r.to_json()).metrics["loss"]
    [1.0, 0.5]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Result",
    "cache_path",
    "committed",
    "committed_file",
    "config_hash",
    "environment",
    "load",
    "save",
]


@dataclass
class Result:
    """One experiment's outcome: config, seeds, metrics, and where it was measured."""

    name: str
    profile: str
    config: dict[str, Any]
    seeds: list[int]
    metrics: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float = 0.0
    created: str = ""
    # Set on loading, never saved: the config fields that differ from the experiment's
    # current config (normlab.experiments.committed), so captions and the scorecard mark it.
    outdated: list[str] = field(default_factory=list, compare=False)

    def to_json(self) -> str:
        fields = _plain(dataclasses.asdict(self))
        fields.pop("outdated")
        return json.dumps(fields, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Result:
        return cls(**json.loads(text))

    @property
    def hardware(self) -> str:
        """A short description of where it ran, e.g. ``"cpu (2 cores)"``."""
        env = self.environment
        if not env:
            return "unknown hardware"
        if env.get("backend") == "cpu":
            return f"CPU, {env.get('cpu_count', '?')} cores"
        return f"{env.get('device_kind', env.get('backend', '?'))}"

    @property
    def label(self) -> str:
        """``"<profile> profile, seeds 0-4, <hardware>"`` for captions, marked if outdated.

        Example:
            >>> env = {"backend": "cpu", "cpu_count": 2}
            >>> r = Result("demo", "full", {}, [0, 1], {}, environment=env)
            >>> r.label
            'full profile, 2 seeds (0-1), CPU, 2 cores'
            >>> r.outdated = ["epochs"]
            >>> r.label.removeprefix("full profile, 2 seeds (0-1), CPU, 2 cores; ")
            'OUTDATED: config changed (epochs), rerun'
        """
        s = self.seeds
        seeds = f"seed {s[0]}" if len(s) == 1 else f"{len(s)} seeds ({s[0]}-{s[-1]})"
        label = f"{self.profile} profile, {seeds}, {self.hardware}"
        if self.outdated:
            label += f"; OUTDATED: config changed ({', '.join(self.outdated)}), rerun"
        return label


def save(result: Result, path: str | os.PathLike) -> Path:
    """Write ``result`` as JSON (atomically) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(result.to_json())
    tmp.replace(path)
    return path


def load(path: str | os.PathLike) -> Result:
    """Read a :class:`Result` written by :func:`save`."""
    return Result.from_json(Path(path).read_text())


def committed(
    name: str, profile: str = "full", *, folder: str | os.PathLike | None = None
) -> Result | None:
    """The Result of experiment ``name`` at ``profile`` committed with the book, or None.

    ``python -m normlab reproduce`` writes ``NAME-PROFILE.json`` into the book's
    ``results/`` folder; the chapters show these beside their live run. Looked
    up as :func:`committed_file` looks.

    Example:
        >>> committed("mlp_mnist", folder="no/such/folder") is None
        True
    """
    path = committed_file(f"{name}-{profile}.json", folder=folder)
    return None if path is None else load(path)


def committed_file(
    filename: str, *, folder: str | os.PathLike | None = None
) -> Path | None:
    """The path of ``filename`` among the book's committed results, or None if absent.

    Looked up in ``folder`` if given, else in ``results/`` under the working
    directory (where a chapter runs) and then ``book/results/`` (the
    repository root).

    Example:
        >>> committed_file("norm_step_time.json", folder="no/such/folder") is None
        True
    """
    folders = (
        [Path(folder)]
        if folder is not None
        else [Path("results"), Path("book", "results")]
    )
    for f in folders:
        if (f / filename).is_file():
            return f / filename
    return None


def config_hash(name: str, config: dict, seeds: list[int]) -> str:
    """A short stable hash of what determines a run's outcome."""
    blob = json.dumps(
        _plain({"name": name, "config": config, "seeds": list(seeds)}), sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def environment() -> dict[str, Any]:
    """Library versions and the hardware JAX runs on."""
    import flax
    import jax
    import optax

    dev = jax.devices()[0]
    from normlab import __version__

    return {
        "normlab": __version__,
        "jax": jax.__version__,
        "flax": flax.__version__,
        "optax": optax.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "backend": jax.default_backend(),
        "device_kind": dev.device_kind,
        "device_count": jax.device_count(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def cache_path(name, profile, config, seeds, cache_dir=None) -> Path:
    """Where a run of ``name`` with ``config`` and ``seeds`` is cached.

    In ``cache_dir``, default ``$NORMLAB_CACHE_DIR/results``
    (``~/.cache/normlab/results``).
    """
    root = (
        Path(cache_dir)
        if cache_dir is not None
        else Path(
            os.environ.get("NORMLAB_CACHE_DIR", Path.home() / ".cache" / "normlab")
        )
        / "results"
    )
    return root / f"{name}-{profile}-{config_hash(name, config, seeds)}.json"


def _plain(obj):
    """JSON-able copy: numpy and jax arrays to lists, tuples to lists, scalars to Python."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
