"""Training steps per second of a SELU MLP vs a ReLU + BatchNorm MLP, in the same process.

Both nets are the ``selu_vs_bn`` experiment's (:func:`normlab.experiments.selu_vs_bn.make_net`)
and step through the compiled epoch of the library's own loop
(``normlab.train._Loop``, what :func:`normlab.train.fit` runs): one epoch is
run first to compile, then ``--epochs`` epochs are timed with the results
awaited, so compilation and evaluation are excluded. The two nets are
measured alternately ``--repeats`` times; the median steps/s of each and
their ratio are printed. Run it on a quiet machine; on XLA:CPU pin it with
``taskset`` (thread flags do not limit jaxlib).

Usage::

    python benchmarks/selu_vs_bn.py --num-train 12800 --epochs 2 \\
        --out book/results/selu_vs_bn_step_time.json      # what the chapter shows
    python benchmarks/selu_vs_bn.py --num-train 1024 --width 32 --epochs 1 --repeats 1  # smoke
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from normlab import data, train
from normlab.experiments import selu_vs_bn
from normlab.results import environment


def steps_per_second(
    net: str, arrays: dict, args: argparse.Namespace, seed: int
) -> float:
    """One measurement: steps/s over ``args.epochs`` timed epochs after one compiling epoch."""
    x, y = (jnp.asarray(a) for a in arrays["train"])
    model = selu_vs_bn.make_net(
        net, x.shape[1:], depth=args.depth, width=args.width, key=jax.random.key(seed)
    )
    loop = train._Loop([model], optax.sgd(0.01), None, 2000)
    scan = train.uses_scan(model)
    steps = len(y) // args.batch_size
    keys = jnp.stack([jax.random.key(seed)])
    bar = train._progress_bar(False, 0, "")

    def epoch():
        if scan:
            loss, _ = loop.scan_epoch(keys, x, y, steps, args.batch_size)
        else:
            loss, _ = loop.step_epoch(keys, x, y, steps, args.batch_size, bar)
        jax.block_until_ready(loss)

    epoch()  # compile
    start = time.perf_counter()
    for _ in range(args.epochs):
        epoch()
    return args.epochs * steps / (time.perf_counter() - start)


def measure(dataset: str, args: argparse.Namespace) -> dict:
    """Median steps/s of both nets on ``dataset`` (interleaved) and the step-time ratio."""
    arrays = data.prepare(dataset, num_train=args.num_train)
    rates = {net: [] for net in selu_vs_bn.NETS}
    for r in range(args.repeats):
        for net in rates:  # interleaved, so drifts in machine load hit both alike
            rates[net].append(steps_per_second(net, arrays, args, seed=r))
    median = {net: float(np.median(v)) for net, v in rates.items()}
    return {
        "steps_per_s": median,
        "all_steps_per_s": rates,
        "time_ratio_relu_bn_over_selu": median["selu"] / median["relu_bn"],
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--datasets",
        nargs="+",
        default=["mnist", "cifar10"],
        choices=["mnist", "cifar10"],
    )
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--num-train", type=int, default=None)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per measurement")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", type=Path, help="also write the numbers to this JSON file")
    args = p.parse_args(argv)
    out = {
        "environment": environment(),
        "config": {
            k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
        },
        **{name: measure(name, args) for name in args.datasets},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return out


if __name__ == "__main__":
    main()
