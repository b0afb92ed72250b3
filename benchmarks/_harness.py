"""Shared by the benchmarks: interleaved timing, the machine's matmul rate, tables, JSON."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "book" / "results" / "benchmarks"


def interleaved(
    variants: dict[str, Callable[[], int]], *, repeats: int = 5
) -> dict[str, float]:
    """Median steps/s of each variant; every call of a variant runs some steps and returns how many.

    Variants are run round-robin (A B C A B C ...) after one warm-up call each, so
    a change in machine load hits all of them alike.
    """
    for fn in variants.values():
        fn()  # compile and warm caches
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            steps = fn()
            rates[name].append(steps / (time.perf_counter() - start))
    return {name: statistics.median(r) for name, r in rates.items()}


def matmul_gflops(n: int = 4096, repeats: int = 3) -> dict[str, float]:
    """This machine's float32 matmul rate, GFLOP/s: numpy (BLAS) and jax (XLA), best of repeats."""
    import jax
    import jax.numpy as jnp

    a = np.random.default_rng(0).normal(size=(n, n)).astype(np.float32)
    out = {}
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        best = max(best, 2 * n**3 / (time.perf_counter() - start) / 1e9)
    out["numpy"] = best
    x = jnp.asarray(a)
    f = jax.jit(lambda m: m @ m)
    f(x).block_until_ready()
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        f(x).block_until_ready()
        best = max(best, 2 * n**3 / (time.perf_counter() - start) / 1e9)
    out["jax"] = best
    return out


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain-text table of ``rows`` (dicts) with the given columns."""
    cells = [[_fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)
    ]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join([line, sep, *body])


def save(name: str, payload: dict) -> Path:
    """Write a benchmark's numbers (with the environment) to book/results/benchmarks/NAME.json.

    On a GPU the file is NAME_gpu.json, so a GPU run never overwrites the CPU figures.
    """
    import jax

    from normlab.results import environment

    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if jax.default_backend() == "cpu" else f"_{jax.default_backend()}"
    path = RESULTS / f"{name}{suffix}.json"
    payload = {
        "benchmark": name,
        "environment": environment(),
        **payload,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path.write_text(json.dumps(payload, indent=1, sort_keys=True))
    return path


def torch_or_none():
    """PyTorch if installed (``pip install "normlab[bench]"``), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_device(torch) -> str:
    """``"cuda"`` when JAX runs on a GPU and PyTorch sees one, else ``"cpu"`` (2 threads)."""
    import jax

    if jax.default_backend() == "gpu" and torch.cuda.is_available():
        return "cuda"
    torch.set_num_threads(2)
    return "cpu"


def torch_sync(torch, device: str) -> None:
    """Wait for PyTorch's queued GPU work, so a timed call ends when its steps are done."""
    if device == "cuda":
        torch.cuda.synchronize()


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)
