"""What bounds W1, W2 and W3 on this CPU: their matrix products and convolutions alone.

The speed goals of `mlp_throughput.py` and `convnet.py` are ratios to this
machine's 4096^3 matmul rate and to PyTorch. This script times the pieces a
training step is made of, at the step's own shapes, side by side in one
process, so a missed goal can be traced to a piece rather than guessed at:

- W1 / W2 "products only": the forward and backward matrix products of one
  SGD step of the MLP (no activations, loss or update), as one jitted XLA
  function and as numpy calls, beside normlab's whole step; for W2 also
  vmapped over 5 seeds (XLA's batched product) against the 5 seeds one after
  another.
- W3: one convolution layer of the ConvNet, forward, input gradient and
  weight gradient, XLA against PyTorch eager (if installed), and the weight
  gradient of :func:`normlab.nn.conv_general_dilated` (one matrix product).

    python benchmarks/cpu_bounds.py            # about 2 minutes on 2 cores
    python benchmarks/cpu_bounds.py --quick    # tiny sizes: checks that it runs
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _harness import (
    interleaved,
    matmul_gflops,
    save,
    table,
    torch_device,
    torch_or_none,
)
from flax import nnx
from mlp_throughput import mlp_flops, normlab_runner

from normlab.models import MLP
from normlab.nn import conv_general_dilated


def _weights(sizes, seeds, rng):
    return [
        [
            rng.normal(size=(a, b)).astype(np.float32) / np.sqrt(a)
            for a, b in zip(sizes, sizes[1:])
        ]
        for _ in range(seeds)
    ]


def _products(x, ws):
    """Forward x @ W_i, then backward dW_i = h_i^T g and g @ W_i^T, with g = the output."""
    hs = [x]
    for w in ws:
        hs.append(hs[-1] @ w)
    g, grads = hs[-1], []
    for i in range(len(ws) - 1, -1, -1):
        grads.append(hs[i].T @ g)
        if i:
            g = g @ ws[i].T
    return grads


def _xla_products(x, ws, calls):
    f = jax.jit(_products)
    xs, wss = jnp.asarray(x), [jnp.asarray(w) for w in ws]

    def run():
        for _ in range(calls):
            out = f(xs, wss)
        jax.block_until_ready(out)
        return calls

    return run


def _numpy_products(x, ws, calls):
    def run():
        for _ in range(calls):
            _products(x, ws)
        return calls

    return run


def mlp_rows(sizes, batch, seeds, calls, repeats):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    wss = _weights(sizes, seeds, rng)
    model = MLP(
        sizes[0], sizes[-1], depth=len(sizes) - 2, width=sizes[1], rngs=nnx.Rngs(0)
    )
    xs = np.tile(x, (calls, 1))
    ys = np.zeros(len(xs), np.int32)
    variants = {
        "normlab's whole SGD step, one net (scan)": normlab_runner(
            [model], optax.sgd(0.01), xs, ys, batch, calls
        ),
        "XLA, one net": _xla_products(x, wss[0], calls),
        "numpy, one net": _numpy_products(x, wss[0], calls),
    }
    if seeds > 1:
        stacked = [jnp.stack([ws[i] for ws in wss]) for i in range(len(wss[0]))]
        vf = jax.jit(jax.vmap(_products, in_axes=(None, 0)))
        xs = jnp.asarray(x)

        def vmapped():
            for _ in range(calls):
                out = vf(xs, stacked)
            jax.block_until_ready(out)
            return calls * seeds

        singles = [_xla_products(x, ws, calls) for ws in wss]
        variants[f"XLA, {seeds} nets vmapped"] = vmapped
        variants[f"XLA, {seeds} nets one after another"] = lambda: sum(
            s() for s in singles
        )
    rates = interleaved(variants, repeats=repeats)
    flops = mlp_flops(sizes, batch)
    return [
        {"variant": n, "net-steps/s": r, "GFLOP/s": r * flops / 1e9}
        for n, r in rates.items()
    ]


def _repeated(f, calls):
    def run():
        for _ in range(calls):
            f()
        return calls

    return run


def conv_rows(batch, size, c_in, c_out, calls, repeats):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, size, size, c_in)).astype(np.float32)
    w = rng.normal(size=(3, 3, c_in, c_out)).astype(np.float32) * 0.1

    def conv(x, w):
        return jax.lax.conv_general_dilated(
            x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    def ours(x, w):
        return conv_general_dilated(
            x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    g = jnp.ones((batch, size, size, c_out))
    parts = {
        "forward": jax.jit(conv),
        "input gradient": jax.jit(lambda x, w: jax.vjp(conv, x, w)[1](g)[0]),
        "weight gradient": jax.jit(lambda x, w: jax.vjp(conv, x, w)[1](g)[1]),
        "weight gradient, normlab.nn.conv_general_dilated": jax.jit(
            lambda x, w: jax.vjp(ours, x, w)[1](g)[1]
        ),
    }
    xs, ws = jnp.asarray(x), jnp.asarray(w)

    variants = {
        f"XLA {name}": _repeated(lambda f=f: f(xs, ws).block_until_ready(), calls)
        for name, f in parts.items()
    }
    torch = torch_or_none()
    if torch is not None:
        device = torch_device(torch)
        tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).to(device)
        tw = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))).to(device)
        tg = torch.ones(batch, c_out, size, size, device=device)
        F = torch.nn.functional
        grad = torch.nn.grad
        tparts = {
            "forward": lambda: F.conv2d(tx, tw, padding=1),
            "input gradient": lambda: grad.conv2d_input(tx.shape, tw, tg, padding=1),
            "weight gradient": lambda: grad.conv2d_weight(tx, tw.shape, tg, padding=1),
        }
        for name, f in tparts.items():
            variants[f"PyTorch {name}"] = _repeated(f, calls)
    rates = interleaved(variants, repeats=repeats)
    flops = 2 * batch * size * size * 9 * c_in * c_out
    rows = []
    for name, r in rates.items():
        part = name.split(" ", 1)[1].split(",")[0]
        ref = rates.get(f"PyTorch {part}")
        rows.append(
            {
                "variant": name,
                "calls/s": r,
                "GFLOP/s": r * flops / 1e9,
                "vs PyTorch": r / ref if ref else "-",
            }
        )
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, to check that it runs"
    )
    p.add_argument("--repeats", type=int, default=5, help="timed rounds per variant")
    args = p.parse_args()
    q = args.quick
    out = {"matmul_gflops": matmul_gflops(1024 if q else 4096)}
    print(f"matmul rate (4096^3): {out['matmul_gflops']}")
    w1 = ([784, 64, 64, 10], 32) if q else ([784] + [512] * 8 + [10], 128)
    out["w1"] = mlp_rows(*w1, seeds=1, calls=5 if q else 20, repeats=args.repeats)
    print("\nW1 products only (8 x 512, batch 128)")
    print(table(out["w1"], ["variant", "net-steps/s", "GFLOP/s"]))
    w2 = ([784, 32, 32, 10], 16) if q else ([784] + [128] * 8 + [10], 64)
    out["w2"] = mlp_rows(
        *w2, seeds=2 if q else 5, calls=5 if q else 100, repeats=args.repeats
    )
    print("\nW2 products only (8 x 128, batch 64)")
    print(table(out["w2"], ["variant", "net-steps/s", "GFLOP/s"]))
    conv = (8, 16, 8, 16) if q else (128, 16, 32, 64)  # the ConvNet's second layer
    out["w3"] = conv_rows(*conv, calls=2 if q else 5, repeats=args.repeats)
    print(
        f"\nW3 one convolution, batch {conv[0]}, {conv[1]}x{conv[1]}, {conv[2]} -> {conv[3]}"
    )
    print(table(out["w3"], ["variant", "calls/s", "GFLOP/s", "vs PyTorch"]))
    if not q:
        print("wrote", save("cpu_bounds", out))


if __name__ == "__main__":
    main()
