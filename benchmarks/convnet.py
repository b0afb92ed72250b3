"""W3: a CIFAR-10-shaped ConvNet's training step on this machine, normlab against PyTorch eager.

Three conv blocks (32/64/128 channels, 3x3, BatchNorm or weight norm, ReLU,
2x2 max-pool) and a dense head, batch 128 of 32x32x3 inputs. On XLA:CPU a
convolution's weight gradient is the slow part (inside a lax.scan body about
69x slower still, jax-ml/jax#12868), so normlab steps convnets from Python
there. Three convolutions are measured: XLA's (``conv=xla``, Flax's
default), patches + matmul for the whole layer (``conv=im2col``), and
:func:`normlab.nn.conv_general_dilated` (``conv=normlab``: XLA's forward
pass and input gradient, the weight gradient as one matrix product), the
last also with the epoch scanned.

    python benchmarks/convnet.py           # about 3 minutes on 2 cores
    python benchmarks/convnet.py --quick   # tiny sizes: checks that it runs
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _harness import interleaved, save, table, torch_device, torch_or_none, torch_sync
from flax import nnx

from normlab import train
from normlab.nn.conv import conv_general_dilated


class PatchConv(nnx.Module):
    """A 'SAME' stride-1 convolution as patches + matmul (im2col), NHWC."""

    def __init__(self, c_in, c_out, k, *, rngs):
        init = nnx.initializers.lecun_normal()
        self.kernel = nnx.Param(init(rngs.params(), (k * k * c_in, c_out)))
        self.bias = nnx.Param(jnp.zeros((c_out,)))
        self.k = k

    def __call__(self, x):
        patches = jax.lax.conv_general_dilated_patches(
            x,
            (self.k, self.k),
            (1, 1),
            "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        )
        return patches @ self.kernel[...] + self.bias[...]


# conv="xla": Flax's default; conv="normlab": the weight gradient as one matrix product
_CONV_FNS = {"xla": {}, "normlab": {"conv_general_dilated": conv_general_dilated}}


class ConvNet(nnx.Module):
    """conv-norm-relu-pool x 3, dense head; ``norm`` in batch / weight / none."""

    def __init__(self, widths=(32, 64, 128), *, norm="batch", conv="xla", rngs):
        from normlab.nn import WeightNorm

        chans = [3, *widths]
        self.convs, self.norms = nnx.List(), nnx.List()
        for a, b in zip(chans[:-1], chans[1:]):
            if conv == "im2col":
                layer = PatchConv(a, b, 3, rngs=rngs)
            else:
                layer = nnx.Conv(
                    a, b, (3, 3), use_bias=norm != "batch", rngs=rngs, **_CONV_FNS[conv]
                )
            self.convs.append(WeightNorm(layer) if norm == "weight" else layer)
            self.norms.append(nnx.BatchNorm(b, rngs=rngs) if norm == "batch" else None)
        self.head = nnx.Linear(widths[-1] * 4 * 4, 10, rngs=rngs)  # 32x32 after 3 pools

    def __call__(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = conv(x)
            if norm is not None:
                x = norm(x)
            x = nnx.max_pool(jax.nn.relu(x), (2, 2), (2, 2))
        return self.head(x.reshape(x.shape[0], -1))


def conv_flops(widths, batch, size=32):
    """Forward + backward FLOPs of the convolutions (the first needs no input gradient)."""
    total, chans = 0, [3, *widths]
    for i, (a, b) in enumerate(zip(chans[:-1], chans[1:])):
        macs = size * size * 9 * a * b * batch
        total += 2 * macs * (2 if i == 0 else 3)
        size //= 2
    return total


def normlab_runner(model, x, y, batch, steps, scan=None):
    """Steps/s of normlab's loop; ``scan`` forces the scanned (True) or stepped (False) epoch."""
    loop = train._Loop([model], optax.adam(1e-3), None, 1000)
    scan = train.uses_scan(model) if scan is None else scan
    xs, ys = jnp.asarray(x), jnp.asarray(y)
    keys = jnp.stack([jax.random.key(0)])

    class Bar:
        def update(self, _):
            pass

    def run():
        if scan:  # by default what fit does: scanned on a GPU, stepped on XLA:CPU
            loss, _ = loop.scan_epoch(keys, xs, ys, steps, batch)
        else:
            loss, _ = loop.step_epoch(keys, xs, ys, steps, batch, Bar())
        loss.block_until_ready()
        return steps

    return run


def torch_runner(torch, widths, norm, x, y, batch, steps):
    nn = torch.nn
    device = torch_device(torch)
    chans, layers = [3, *widths], []
    for a, b in zip(chans[:-1], chans[1:]):
        conv = nn.Conv2d(a, b, 3, padding=1, bias=norm != "batch")
        layers += [
            nn.utils.parametrizations.weight_norm(conv) if norm == "weight" else conv
        ]
        if norm == "batch":
            layers.append(nn.BatchNorm2d(b))
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(widths[-1] * 16, 10)).to(
        device
    )
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).to(device)
    yt = torch.from_numpy(y).long().to(device)

    def run():
        for i in range(steps):
            opt.zero_grad(set_to_none=True)
            rows = slice(i * batch, (i + 1) * batch)
            loss = nn.functional.cross_entropy(model(xt[rows]), yt[rows])
            loss.backward()
            opt.step()
        torch_sync(torch, device)
        return steps

    return run


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, to check that it runs"
    )
    p.add_argument("--repeats", type=int, default=3, help="timed rounds per variant")
    args = p.parse_args()
    widths, batch, steps = (
        ((8, 16, 32), 16, 3) if args.quick else ((32, 64, 128), 128, 20)
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch * steps, 32, 32, 3)).astype(np.float32)
    y = rng.integers(0, 10, len(x)).astype(np.int32)
    torch = torch_or_none()
    variants = {}
    for norm in ("batch", "weight"):
        for conv in ("xla", "im2col", "normlab"):
            model = ConvNet(widths, norm=norm, conv=conv, rngs=nnx.Rngs(0))
            variants[f"normlab {norm} norm, conv={conv}"] = normlab_runner(
                model, x, y, batch, steps
            )
        model = ConvNet(widths, norm=norm, conv="normlab", rngs=nnx.Rngs(0))
        variants[f"normlab {norm} norm, conv=normlab, scanned"] = normlab_runner(
            model, x, y, batch, steps, scan=True
        )
        if torch is not None:
            variants[f"PyTorch eager {norm} norm"] = torch_runner(
                torch, widths, norm, x, y, batch, steps
            )
    rates = interleaved(variants, repeats=args.repeats)
    flops = conv_flops(widths, batch)
    rows = []
    for name, r in rates.items():
        norm = "batch" if "batch" in name else "weight"
        ref = rates.get(f"PyTorch eager {norm} norm")
        rows.append(
            {
                "variant": name,
                "steps/s": r,
                "conv GFLOP/s": r * flops / 1e9,
                "vs PyTorch (same norm)": r / ref if ref else "PyTorch not installed",
            }
        )
    for conv in ("xla", "im2col", "normlab"):
        b, w = (
            rates[f"normlab batch norm, conv={conv}"],
            rates[f"normlab weight norm, conv={conv}"],
        )
        rows.append(
            {"variant": f"normlab step time BN / WN, conv={conv}", "steps/s": w / b}
        )
    print(
        f"W3: ConvNet {widths}, batch {batch}, steps/s (median of interleaved rounds)"
    )
    print(table(rows, ["variant", "steps/s", "conv GFLOP/s", "vs PyTorch (same norm)"]))
    if not args.quick:
        print(
            "wrote",
            save(
                "convnet", {"rows": rows, "setup": {"widths": widths, "batch": batch}}
            ),
        )


if __name__ == "__main__":
    main()
