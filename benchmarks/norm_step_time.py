"""Time per training step of the four weight-normalization-paper parameterizations.

The paper reports batch norm "about 16 % slower" than the normal
parameterization and weight norm "not noticeably slower". This measures one
Adam step (forward, backward, update; compiled with ``jax.jit``) of normal /
weight_norm / batch_norm / weight_norm_mean_only side by side, on the
CIFAR-10 ConvPool-CNN-C (:class:`normlab.models.ConvPoolCNNC`) and on an MLP
(:class:`normlab.models.MLP`), and prints milliseconds per step and the ratio
to normal. Runs are interleaved (round r times every parameterization once),
and the median over rounds is reported, so a machine that slows down
affects all four alike.

Run on a quiet machine (results are meaningless on a shared CPU)::

    python benchmarks/norm_step_time.py --out book/results/norm_step_time.json
    python benchmarks/norm_step_time.py --tiny          # a check that it runs

The book's weight-normalization chapter reads the JSON written by ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import jax
import optax
from flax import nnx

from normlab.models import MLP, PARAMETERIZATIONS, ConvPoolCNNC
from normlab.results import environment


def _step_fn(model, tx):
    """A compiled Adam step on softmax cross-entropy, the model used functionally."""
    model.train()
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    opt_state = tx.init(params)

    @jax.jit
    def step(params, rest, opt_state, x, y):
        def loss_fn(p):
            m = nnx.merge(graphdef, p, rest, copy=True)
            loss = optax.softmax_cross_entropy_with_integer_labels(m(x), y).mean()
            return loss, nnx.split(m, nnx.Param, ...)[2]

        (loss, rest), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), rest, opt_state, loss

    return step, (params, rest, opt_state)


def _models(net: str, args):
    """The input shape and one model per parameterization of ``net``."""
    if net == "convnet":
        shape = (args.batch_size, 32, 32, 3)

        def make(p):
            return ConvPoolCNNC(
                10, width=args.width, parameterization=p, rngs=nnx.Rngs(0)
            )
    else:
        shape = (args.batch_size, 784)

        def make(p):
            return MLP(
                784,
                10,
                depth=args.mlp_depth,
                width=args.mlp_width,
                parameterization=p,
                rngs=nnx.Rngs(0),
            )

    return shape, {p: make(p) for p in PARAMETERIZATIONS}


def measure(net: str, args) -> dict[str, float]:
    """Median seconds per step of each parameterization of ``net`` (interleaved rounds)."""
    shape, models = _models(net, args)
    key_x, key_y = jax.random.split(jax.random.key(0))
    x = jax.random.normal(key_x, shape)
    y = jax.random.randint(key_y, (args.batch_size,), 0, 10)
    tx = optax.adam(1e-3)
    runners = {}
    for p, model in models.items():
        step, state = _step_fn(model, tx)
        for _ in range(args.warmup):  # compile and warm up
            *state, loss = step(*state, x, y)
        jax.block_until_ready(loss)
        runners[p] = [step, state]
    times = {p: [] for p in models}
    for _ in range(args.rounds):
        for p, runner in runners.items():
            step, state = runner
            start = time.perf_counter()
            for _ in range(args.steps):
                *state, loss = step(*state, x, y)
            jax.block_until_ready(loss)
            times[p].append((time.perf_counter() - start) / args.steps)
            runner[1] = state
    return {p: statistics.median(t) for p, t in times.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--width", type=float, default=1.0, help="ConvNet channel multiplier"
    )
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--mlp-width", type=int, default=1024)
    parser.add_argument("--mlp-depth", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument(
        "--rounds", type=int, default=7, help="interleaved rounds (median)"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="a seconds-long check that the script runs (numbers meaningless)",
    )
    args = parser.parse_args(argv)
    if args.tiny:
        args.width, args.batch_size, args.mlp_width, args.mlp_depth = 0.05, 8, 32, 2
        args.steps, args.rounds, args.warmup = 2, 2, 1
    results = {
        "config": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
        },
        "environment": environment(),
        "seconds_per_step": {},
    }
    print(f"{'network':<9} {'parameterization':<23} {'ms/step':>9} {'/ normal':>9}")
    for net in ("convnet", "mlp"):
        sec = measure(net, args)
        results["seconds_per_step"][net] = sec
        for p, s in sec.items():
            print(f"{net:<9} {p:<23} {1e3 * s:9.3f} {s / sec['normal']:9.3f}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True))
        print(f"wrote {args.out}")
    return results


if __name__ == "__main__":
    main()
