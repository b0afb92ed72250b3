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

    python benchmarks/selu_vs_bn.py --dataset mnist --repeats 5
    python benchmarks/selu_vs_bn.py --num-train 1024 --width 32 --epochs 1 --repeats 1  # smoke
"""

from __future__ import annotations

import argparse
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from normlab import data, train
from normlab.experiments import selu_vs_bn


def steps_per_second(net: str, arrays: dict, args: argparse.Namespace, seed: int) -> float:
    """One measurement: steps/s over ``args.epochs`` timed epochs after one compiling epoch."""
    x, y = (jnp.asarray(a) for a in arrays["train"])
    model = selu_vs_bn.make_net(
        net, x[0].size, depth=args.depth, width=args.width, key=jax.random.key(seed)
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


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="mnist", choices=["mnist", "cifar10"])
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--num-train", type=int, default=None)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per measurement")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    arrays = data.prepare(args.dataset, num_train=args.num_train)
    rates = {net: [] for net in selu_vs_bn.NETS}
    for r in range(args.repeats):
        for net in rates:  # interleaved, so drifts in machine load hit both alike
            rates[net].append(steps_per_second(net, arrays, args, seed=r))
    out = {
        "device": jax.devices()[0].device_kind,
        "config": vars(args),
        "steps_per_s": {net: float(np.median(v)) for net, v in rates.items()},
        "all_steps_per_s": rates,
    }
    out["time_ratio_relu_bn_over_selu"] = out["steps_per_s"]["selu"] / out["steps_per_s"]["relu_bn"]
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
