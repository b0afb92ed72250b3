"""W1 and W2: MLP training throughput of normlab's loop against the alternatives, side by side.

W1, big and arithmetic-bound: 8 hidden layers x 512, SELU, batch 128 (1.62 GFLOP a
step), against this machine's float32 matmul rate. W2, small and many: the ELU
experiment's 8 x 128 MLP at batch 64, 5 seeds, where per-step overhead dominates.

    python benchmarks/mlp_throughput.py            # both, about 3 minutes on 2 cores
    python benchmarks/mlp_throughput.py --quick    # tiny sizes: checks that it runs

Variants: normlab (data on the device, the epoch as one lax.scan, seeds vmapped),
naive Flax (nnx.jit step, host batches), PyTorch eager (if installed:
pip install "normlab[bench]"). All timed round-robin in one process.
"""

from __future__ import annotations

import argparse

import jax
import numpy as np
import optax
from _harness import (
    interleaved,
    matmul_gflops,
    save,
    table,
    torch_device,
    torch_or_none,
    torch_sync,
)
from flax import nnx

from normlab import train
from normlab.models import MLP


def mlp_flops(sizes: list[int], batch: int) -> float:
    """Forward + backward FLOPs of one SGD step (no input gradient for the first layer)."""
    macs = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (3 * sum(macs) - macs[0])


def _data(n, d, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.integers(
        0, classes, n
    ).astype(np.int32)


def normlab_runner(models, tx, x, y, batch, steps):
    loop = train._Loop(models, tx, None, 1000)
    xs, ys = jax.numpy.asarray(x), jax.numpy.asarray(y)
    keys = jax.numpy.stack([jax.random.key(i) for i in range(len(models))])

    def run():
        loss, _ = loop.scan_epoch(keys, xs, ys, steps, batch)
        loss.block_until_ready()
        return steps * len(models)

    return run


def naive_flax_runner(make, x, y, batch, steps, seeds, lr):
    runs = []
    for s in range(seeds):
        model = make(s)
        opt = nnx.Optimizer(model, optax.sgd(lr), wrt=nnx.Param)
        runs.append((model, opt))

    @nnx.jit
    def step(model, opt, xb, yb):
        def loss_fn(m):
            return optax.softmax_cross_entropy_with_integer_labels(m(xb), yb).mean()

        loss, grads = nnx.value_and_grad(loss_fn)(model)
        opt.update(model, grads)
        return loss

    def run():
        for model, opt in runs:
            for i in range(steps):
                rows = slice(i * batch, (i + 1) * batch)
                loss = step(model, opt, x[rows], y[rows])
            loss.block_until_ready()
        return steps * seeds

    return run


def torch_runner(torch, sizes, act, x, y, batch, steps, seeds, lr):
    nn = torch.nn
    device = torch_device(torch)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).long().to(device)
    runs = []
    for s in range(seeds):
        torch.manual_seed(s)
        layers = []
        for a, b in zip(sizes[:-2], sizes[1:-1]):
            layers += [nn.Linear(a, b), act()]
        model = nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1])).to(device)
        runs.append((model, torch.optim.SGD(model.parameters(), lr=lr)))

    def run():
        for model, opt in runs:
            for i in range(steps):
                opt.zero_grad(set_to_none=True)
                out = model(xt[i * batch : (i + 1) * batch])
                loss = nn.functional.cross_entropy(out, yt[i * batch : (i + 1) * batch])
                loss.backward()
                opt.step()
        torch_sync(torch, device)
        return steps * seeds

    return run


def w1(quick: bool, repeats: int) -> dict:
    depth, width, batch, steps = (2, 64, 32, 10) if quick else (8, 512, 128, 100)
    sizes = [784] + [width] * depth + [10]
    x, y = _data(steps * batch, 784)

    def make(s):
        return MLP(
            784,
            10,
            depth=depth,
            width=width,
            activation="selu",
            rngs=nnx.Rngs(s),
        )

    variants = {
        "normlab (scan, data on device)": normlab_runner(
            [make(0)], optax.sgd(0.01), x, y, batch, steps
        ),
        "naive Flax (nnx.jit step)": naive_flax_runner(
            make, x, y, batch, steps, 1, 0.01
        ),
    }
    torch = torch_or_none()
    if torch is not None:
        variants["PyTorch eager"] = torch_runner(
            torch, sizes, torch.nn.SELU, x, y, batch, steps, 1, 0.01
        )
    rates = interleaved(variants, repeats=repeats)
    flops = mlp_flops(sizes, batch)
    peak = matmul_gflops(1024 if quick else 4096)
    limit = max(peak.values())
    rows = [
        {
            "variant": f"matmul limit ({'numpy' if peak['numpy'] >= peak['jax'] else 'jax'} "
            "4096^3)",
            "steps/s": limit * 1e9 / flops,
            "GFLOP/s": limit,
            "of limit": 1.0,
        }
    ]
    base = rates.get("PyTorch eager")
    for name, r in rates.items():
        rows.append(
            {
                "variant": name,
                "steps/s": r,
                "GFLOP/s": r * flops / 1e9,
                "of limit": r * flops / 1e9 / limit,
                "vs PyTorch": r / base if base else "PyTorch not installed",
            }
        )
    if torch is None:
        rows.append(
            {
                "variant": "PyTorch eager",
                "steps/s": "not installed (pip install 'normlab[bench]')",
            }
        )
    return {
        "rows": rows,
        "flops_per_step": flops,
        "matmul_gflops": peak,
        "setup": {
            "depth": depth,
            "width": width,
            "batch": batch,
            "steps_per_call": steps,
        },
    }


def w2(quick: bool, repeats: int) -> dict:
    depth, width, batch, steps, seeds = (
        (2, 32, 16, 10, 2) if quick else (8, 128, 64, 200, 5)
    )
    sizes = [784] + [width] * depth + [10]
    x, y = _data(steps * batch, 784)

    def make(s):
        return MLP(
            784,
            10,
            depth=depth,
            width=width,
            activation="elu",
            rngs=nnx.Rngs(s),
        )

    singles = [
        normlab_runner([make(s)], optax.sgd(0.01), x, y, batch, steps)
        for s in range(seeds)
    ]

    def sequential():
        return sum(run() for run in singles)

    variants = {
        f"normlab, {seeds} seeds vmapped": normlab_runner(
            [make(s) for s in range(seeds)], optax.sgd(0.01), x, y, batch, steps
        ),
        "normlab, seeds one after another": sequential,
        "naive Flax, one after another": naive_flax_runner(
            make, x, y, batch, steps, seeds, 0.01
        ),
    }
    torch = torch_or_none()
    if torch is not None:
        variants["PyTorch eager, one after another"] = torch_runner(
            torch, sizes, torch.nn.ELU, x, y, batch, steps, seeds, 0.01
        )
    rates = interleaved(variants, repeats=repeats)
    torch_rate = rates.get("PyTorch eager, one after another")
    flax_rate = rates["naive Flax, one after another"]
    rows = [
        {
            "variant": n,
            "seed-steps/s": r,
            "vs PyTorch": r / torch_rate if torch_rate else "-",
            "vs naive Flax": r / flax_rate,
        }
        for n, r in rates.items()
    ]
    return {
        "rows": rows,
        "setup": {
            "depth": depth,
            "width": width,
            "batch": batch,
            "steps_per_call": steps,
            "seeds": seeds,
        },
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, to check that it runs"
    )
    p.add_argument("--repeats", type=int, default=5, help="timed rounds per variant")
    p.add_argument("--only", choices=["w1", "w2"], help="run one workload")
    args = p.parse_args()
    out = {}
    if args.only in (None, "w1"):
        out["w1"] = w1(args.quick, args.repeats)
        print("W1: 8 x 512 SELU MLP, batch 128, steps/s (median of interleaved rounds)")
        print(
            table(
                out["w1"]["rows"],
                ["variant", "steps/s", "GFLOP/s", "of limit", "vs PyTorch"],
            ),
            "\n",
        )
    if args.only in (None, "w2"):
        out["w2"] = w2(args.quick, args.repeats)
        print("W2: 8 x 128 ELU MLP, batch 64, several seeds, seed-steps/s")
        print(
            table(
                out["w2"]["rows"],
                ["variant", "seed-steps/s", "vs PyTorch", "vs naive Flax"],
            )
        )
    if not args.quick:
        print(
            "wrote",
            save("mlp_throughput" + (f"_{args.only}" if args.only else ""), out),
        )


if __name__ == "__main__":
    main()
