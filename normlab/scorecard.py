"""The reproduction scorecard: every claim the book checks, the paper's value, ours, a status.

Each :class:`Claim` names the experiment whose Result measures it and a
function that reads that Result's ``summary`` and returns our value as text
and a status: ``"reproduced"``, ``"partly"`` or ``"not reproduced"``. The
rules are written out in each function, so the table is generated from the
Result files, never typed by hand. Claims and paper values follow
``REPRODUCE.md``.

Example:
    >>> [c.experiment for c in CLAIMS][:2]
    ['elu_mnist', 'elu_mnist']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from normlab.results import Result

__all__ = ["CLAIMS", "STATUSES", "Claim", "committed_rows", "markdown", "rows", "timing_row"]

STATUSES = ("reproduced", "partly", "not reproduced")


@dataclass(frozen=True)
class Claim:
    """One checked claim: where it is from, what the paper says, how ours is judged."""

    chapter: str
    claim: str
    paper: str
    experiment: str
    judge: Callable[[Result], tuple[str, str]]


def _mean(values) -> float:
    return float(np.mean(np.asarray(values, dtype=float)))


def _elu_loss(r: Result):
    final = {a: _mean(v) for a, v in r.summary["final_train_loss"].items()}
    best = min(final, key=final.get)
    text = ", ".join(f"{a} {v:.3g}" for a, v in sorted(final.items(), key=lambda kv: kv[1]))
    return f"final training loss: {text}", "reproduced" if best == "elu" else "not reproduced"


def _elu_median(r: Result):
    curves = r.metrics["curves"]
    dist = {a: _mean(np.abs(np.asarray(c["median_activation"], float))) for a, c in curves.items()}
    best = min(dist, key=dist.get)
    text = ", ".join(f"{a} {v:.3f}" for a, v in sorted(dist.items(), key=lambda kv: kv[1]))
    status = "reproduced" if best == "elu" else "not reproduced"
    return f"mean absolute median unit activation over epochs: {text}", status


def _jacobian(r: Result):
    jac, norm = np.asarray(r.summary["jacobian"]), r.summary["spectral_norm"]
    ok = np.allclose(jac, [[0, 0.088834], [0, 0.782648]], atol=1e-6) and abs(norm - 0.7877) < 1e-4
    return (
        f"J = [[{jac[0, 0]:.6f}, {jac[0, 1]:.6f}], [{jac[1, 0]:.6f}, {jac[1, 1]:.6f}]], "
        f"spectral norm {norm:.6f}"
    ), "reproduced" if ok else "not reproduced"


def _depth_trend(r: Result):
    final = {k: _mean(v) for k, v in r.summary["final_train_loss"].items()}
    verdicts, parts = [], []
    for data in sorted({k.split("/")[0] for k in final}):
        depths = sorted({int(k.split("/")[2]) for k in final if k.startswith(data + "/")})
        snn = [final[f"{data}/snn/{d}"] for d in depths]
        bn = [final[f"{data}/bn/{d}"] for d in depths]
        verdicts += [snn[-1] <= snn[0], bn[-1] >= bn[0]]
        parts.append(
            f"{data}: SNN d{depths[0]}/d{depths[-1]} {snn[0]:.3f}/{snn[-1]:.3f}, "
            f"BN {bn[0]:.3f}/{bn[-1]:.3f}"
        )
    return "; ".join(parts), _status(verdicts)


def _alpha_moments(r: Result):
    last = r.summary["last_layer_mean_var"]
    a, s = last["alpha"], last["standard"]
    ok = abs(a[0]) < 0.05 and abs(a[1] - 1) < 0.05
    return (
        f"deepest layer mean/var: alpha dropout {a[0]:.3f}/{a[1]:.3f}, "
        f"standard dropout {s[0]:.3f}/{s[1]:.3f}"
    ), "reproduced" if ok else "not reproduced"


def _tutorial(r: Result):
    parts, verdicts = [], []
    for task, variants in sorted(r.summary.items()):
        acc = {v: 100 * _mean(a) for v, a in variants.items()}
        parts.append(f"{task}: " + ", ".join(f"{v} {a:.2f} %" for v, a in sorted(acc.items())))
        verdicts.append(acc.get("selu_alpha", 0) > acc.get("relu_standard", 100))
    return "; ".join(parts), _status(verdicts)


def _lag1(r: Result):
    lag1 = r.summary["lag1"]
    ff = lag1["feedforward + BN"]
    deepest = max(ff, key=int)
    res = {k: v for k, v in lag1.items() if k.startswith("resnet")}
    res_deep = {k: v[max(v, key=int)] for k, v in res.items()}
    ok = ff[deepest] < min(res_deep.values())
    beta = [v for k, v in res_deep.items() if "beta" in k]
    plain = res_deep.get("resnet + BN")
    verdicts = [ok] + ([max(beta) > plain] if beta and plain is not None else [])
    text = f"lag-1 at depth {deepest}: feedforward {ff[deepest]:.3f}, " + ", ".join(
        f"{k} {v:.3f}" for k, v in res_deep.items()
    )
    return text, _status(verdicts)


def _looks_linear(r: Result):
    acc = r.summary["test_accuracy"]
    depth = max(acc["CReLU + looks-linear"], key=int)
    at = {f: 100 * _mean(v[depth]) for f, v in acc.items()}
    ok = at["CReLU + looks-linear"] > at["ReLU + BN"]
    text = f"test accuracy at depth {depth}: " + ", ".join(f"{f} {a:.1f} %" for f, a in at.items())
    return text, "reproduced" if ok else "not reproduced"


def _wn_table(r: Result):
    ours = {k: _mean(v) for k, v in r.summary["test_error"].items()}
    paper = r.summary["paper_test_error"]
    close = [abs(ours[k] - paper[k]) < 1.0 for k in paper]
    text = ", ".join(f"{k} {ours[k]:.1f} %" for k in paper)
    return f"test error: {text}", _status(close)


def _status(verdicts: list[bool]) -> str:
    if all(verdicts):
        return "reproduced"
    return "partly" if any(verdicts) else "not reproduced"


CLAIMS = [
    Claim(
        "From ELU to SELU",
        "ELU's training loss falls fastest (8 x 128 MLP, MNIST)",
        "ELU lowest training cross-entropy (Fig. 2b)",
        "elu_mnist",
        _elu_loss,
    ),
    Claim(
        "From ELU to SELU",
        "ELU's median unit activation stays nearest zero",
        "ELU nearest zero (Fig. 2a)",
        "elu_mnist",
        _elu_median,
    ),
    Claim(
        "From ELU to SELU",
        "Jacobian of the moment map at (0, 1), omega = 0, tau = 1",
        "[[0, 0.088834], [0, 0.782648]], spectral norm 0.7877 (eq. 6)",
        "snn_moment_map",
        _jacobian,
    ),
    Claim(
        "From ELU to SELU",
        "Deeper SNNs fit lower, deeper BatchNorm nets higher (Fig. 1)",
        "MNIST d8/d16/d32 at epoch 2000: SNN ~6e-5/1.6e-5/7e-6, BN ~2.2e-4/2.8e-4/5e-4",
        "snn_depth",
        _depth_trend,
    ),
    Claim(
        "Alpha dropout",
        "Alpha dropout keeps the fixed point (0, 1) through depth",
        "mean 0, variance 1 kept",
        "alpha_dropout_moments",
        _alpha_moments,
    ),
    Claim(
        "Alpha dropout",
        "SELU + alpha dropout beats ReLU + dropout (authors' tutorials)",
        "MNIST MLP: SELU 92.04 % vs ReLU 90.76 %; CIFAR-10 CNN: 67.78 % vs 63.45 %",
        "alpha_dropout",
        _tutorial,
    ),
    Claim(
        "Shattered gradients",
        "Feedforward gradients shatter with depth; resnets less, "
        "beta-scaled resnets least (Fig. 2, Theorems 1 and 3)",
        "correlation ~2^-L (feedforward), ~1/(beta sqrt L) (resnet)",
        "shattered_gradients",
        _lag1,
    ),
    Claim(
        "Shattered gradients",
        "Looks-linear init trains deep nets without skips",
        "about 200 layers on CIFAR-10 (setup unverified): ranking only",
        "looks_linear",
        _looks_linear,
    ),
    Claim(
        "Weight normalization",
        "CIFAR-10 test error of the four parameterizations",
        "normal 8.43, WN 8.46, BN 8.05, WN + mean-only BN 7.31 % (partly unverified)",
        "weight_norm_cifar",
        _wn_table,
    ),
]


def rows(
    profile: str = "small", *, results_dir: str | Path | None = None, use_cache: bool = True
) -> list[dict]:
    """The scorecard as table rows, one per claim and profile measured.

    The ``profile`` Results come from :func:`normlab.results.run_experiment`
    (cached, so after a book build nothing is retrained); full-profile
    Results committed in ``results_dir`` (default ``book/results``) are
    added as their own rows.
    """
    from normlab.results import load, run_experiment

    results_dir = Path(results_dir) if results_dir is not None else _book_results()
    out = []
    for claim in CLAIMS:
        found = [run_experiment(claim.experiment, profile=profile, use_cache=use_cache)]
        full = results_dir / f"{claim.experiment}-full.json"
        if profile != "full" and full.is_file():
            found.append(load(full))
        out.extend(_row(claim, result) for result in found)
    out.append(timing_row(results_dir / "norm_step_time.json"))
    return out


def committed_rows(
    chapter: str | None = None, profile: str = "full", *, results_dir: str | Path | None = None
) -> list[dict]:
    """Rows for the Results committed in ``results_dir`` (default: the book's), nothing trained.

    Only the claims of ``chapter`` if given; a claim whose experiment has no
    committed Result gets a row that says so.

    Example:
        >>> rows = committed_rows("Weight normalization", results_dir="no/such/folder")
        >>> rows[0]["status"]
        'not run'
    """
    from normlab.results import committed

    folder = results_dir if results_dir is not None else _book_results()
    out = []
    for claim in CLAIMS:
        if chapter is not None and claim.chapter != chapter:
            continue
        result = committed(claim.experiment, profile, folder=folder)
        if result is None:
            out.append(
                {
                    **_row(claim, None),
                    "ours": f"no committed {profile}-profile Result",
                    "measured": "-",
                    "status": "not run",
                }
            )
        else:
            out.append(_row(claim, result))
    return out


def _row(claim: Claim, result) -> dict:
    """One table row: the claim, the paper's value, and (given a Result) ours and its status."""
    row = {"chapter": claim.chapter, "claim": claim.claim, "paper": claim.paper}
    if result is None:
        return row
    ours, status = claim.judge(result)
    return {**row, "ours": ours, "measured": result.label, "status": status}


def _book_results() -> Path:
    return Path(__file__).resolve().parents[1] / "book" / "results"


def markdown(table: list[dict]) -> str:
    """The rows as a Markdown table (status in bold), for the book's scorecard page."""
    cols = ["chapter", "claim", "paper", "ours", "measured", "status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table:
        cells = [str(row[c]).replace("|", "/") for c in cols]
        cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def timing_row(path: str | Path) -> dict:
    """The weight-norm paper's timing claim, judged from ``benchmarks/norm_step_time.py``'s JSON.

    Reproduced when batch norm costs at least 10 % more per step than the
    normal parameterization on the ConvNet and weight norm at most 5 % more.
    """
    row = {
        "chapter": "Weight normalization",
        "claim": "BN about 16 % slower than the normal parameterization; WN not noticeably",
        "paper": "BN +16 %, WN ~0 % (secondary source)",
    }
    path = Path(path)
    if not path.is_file():
        return {
            **row,
            "ours": "not measured (run benchmarks/norm_step_time.py)",
            "measured": "-",
            "status": "not reproduced",
        }
    data = json.loads(path.read_text())
    sec = data["seconds_per_step"]
    conv = {k: v / sec["convnet"]["normal"] for k, v in sec["convnet"].items()}
    mlp = {k: v / sec["mlp"]["normal"] for k, v in sec["mlp"].items()}
    verdicts = [conv["batch_norm"] >= 1.10, conv["weight_norm"] <= 1.05]
    env = data.get("environment", {})
    where = (
        env.get("device_kind", "?")
        if env.get("backend") != "cpu"
        else (f"CPU, {env.get('cpu_count', '?')} cores")
    )
    return {
        **row,
        "ours": (
            f"ConvNet BN/normal {conv['batch_norm']:.2f}, WN/normal "
            f"{conv['weight_norm']:.2f}; MLP BN/normal {mlp['batch_norm']:.2f}, "
            f"WN/normal {mlp['weight_norm']:.2f}"
        ),
        "measured": f"step time, median of interleaved rounds, {where}",
        "status": _status(verdicts),
    }
