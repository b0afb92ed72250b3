"""Training steps per second of a SELU MLP vs a ReLU + BatchNorm MLP, in the same process.

Both nets are the ``selu_vs_bn`` experiment's (:func:`normlab.experiments.selu_vs_bn.make_net`)
and train through the library's own loop, :func:`normlab.train.fit_seeds`. Each
measurement trains a fresh model for ``--epochs SHORT`` and for ``--epochs LONG``
epochs and takes the difference of the wall times, so compilation and the
first evaluation cancel: steps/s = (LONG - SHORT) x steps per epoch / (t_LONG - t_SHORT).
The two nets are measured alternately ``--repeats`` times and the median is
reported with the ratio. Run it on a quiet machine; on XLA:CPU pin it with
``taskset`` (thread flags do not limit jaxlib).

Usage::

    python benchmarks/selu_vs_bn.py --dataset mnist --repeats 5
    python benchmarks/selu_vs_bn.py --num-train 1024 --width 32 --epochs 1 2 --repeats 1  # smoke
"""

from __future__ import annotations

import argparse
import json

import jax
import numpy as np
import optax

from normlab import data, train
from normlab.experiments import selu_vs_bn


def steps_per_second(net: str, arrays: dict, args: argparse.Namespace, seed: int) -> float:
    in_features = arrays["train"][0][0].size
    times, steps = [], 0
    for epochs in args.epochs:
        h = train.fit_seeds(
            lambda k: selu_vs_bn.make_net(
                net, in_features, depth=args.depth, width=args.width, key=k
            ),
            optax.sgd(0.01),
            arrays["train"],
            keys=[jax.random.key(seed)],
            epochs=epochs,
            batch_size=args.batch_size,
            progress=False,
        )[0]
        times.append(h.wall_time_s)
        steps = h.steps_per_epoch
    short, long = args.epochs
    return (long - short) * steps / (times[1] - times[0])


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="mnist", choices=["mnist", "cifar10"])
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--num-train", type=int, default=None)
    p.add_argument("--epochs", type=int, nargs=2, default=[1, 4], metavar=("SHORT", "LONG"))
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    if args.epochs[1] <= args.epochs[0]:
        p.error("--epochs LONG must exceed SHORT")
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
