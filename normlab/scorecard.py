"""The reproduction scorecard: every claim the book checks, the paper's value, ours, a status.

Each experiment module of :mod:`normlab.experiments` lists its claims in
``CLAIMS``: a :class:`Claim` holds the chapter, the claim as the paper states
it, the paper's value, and a judge that reads the experiment's Result and
returns our value as text and a status. The rules are written out in each
judge, so the table is generated from the Result files, never typed by hand.
Claims and paper values follow ``REPRODUCE.md``. :func:`claims` collects them
in the book's order.

Statuses: ``"reproduced"``, ``"partly"``, ``"not reproduced"``; ``"not
comparable"`` where a budget differs from the paper's by design and the claim
cannot be judged at it; ``"outdated"`` for a committed Result whose config
differs from the experiment's current one (it is not judged: rerun it);
``"not run"`` where no Result exists.

Example:
    >>> [c.experiment for c in claims()][:2]
    ['elu_mnist', 'elu_mnist']
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from normlab.results import Result

__all__ = [
    "BOOK_ORDER",
    "STATUSES",
    "Claim",
    "claims",
    "committed_rows",
    "markdown",
    "mean",
    "rows",
    "status",
    "timing_row",
]

STATUSES = (
    "reproduced",
    "partly",
    "not reproduced",
    "not comparable",
    "outdated",
    "not run",
)

# The experiments whose claims the scorecard lists, in the order the book presents them.
BOOK_ORDER = (
    "elu_mnist",
    "snn_moment_map",
    "snn_depth",
    "selu_vs_bn",
    "alpha_dropout_moments",
    "alpha_dropout",
    "dropout_regularization",
    "fixed_point_map",
    "fixed_point_depth",
    "fixed_point_training",
    "fixed_point_gradients",
    "shattered_gradients",
    "looks_linear",
    "weight_norm_cifar",
)


@dataclass(frozen=True)
class Claim:
    """One checked claim: its chapter, the paper's statement and value, and how ours is judged.

    ``judge(result) -> (our value as text, status)``. ``experiment`` is filled
    in by :func:`claims` from the module that lists the claim.
    """

    chapter: str
    claim: str
    paper: str
    judge: Callable[[Result], tuple[str, str]]
    experiment: str = ""


def claims() -> list[Claim]:
    """Every experiment's ``CLAIMS``, in ``BOOK_ORDER``, each tagged with its experiment."""
    from normlab import experiments

    out = []
    for name in BOOK_ORDER:
        for claim in getattr(experiments.get(name), "CLAIMS", []):
            out.append(dataclasses.replace(claim, experiment=name))
    return out


def mean(values) -> float:
    """The mean of ``values`` as a Python float (seeds, epochs, ...)."""
    return float(np.mean(np.asarray(values, dtype=float)))


def status(verdicts: list[bool]) -> str:
    """``"reproduced"`` if every verdict holds, ``"partly"`` if some do, else ``"not reproduced"``.

    Example:
        >>> status([True, False])
        'partly'
    """
    if all(verdicts):
        return "reproduced"
    return "partly" if any(verdicts) else "not reproduced"


def rows(
    profile: str = "small",
    *,
    results_dir: str | Path | None = None,
    use_cache: bool = True,
) -> list[dict]:
    """The scorecard as table rows, one per claim and profile measured.

    The ``profile`` Results come from :func:`normlab.experiments.run_experiment`
    (cached, so after a book build nothing is retrained); full-profile
    Results committed in ``results_dir`` (default ``book/results``) are
    added as their own rows, marked ``"outdated"`` where their config is
    not the experiment's current one.
    """
    from normlab import experiments

    folder = results_dir if results_dir is not None else _book_results()
    out = []
    for claim in claims():
        found = [
            experiments.run_experiment(
                claim.experiment, profile=profile, use_cache=use_cache
            )
        ]
        full = (
            experiments.committed(claim.experiment, folder=folder)
            if profile != "full"
            else None
        )
        if full is not None:
            found.append(full)
        out.extend(_row(claim, result) for result in found)
    out.append(timing_row(Path(folder) / "norm_step_time.json"))
    return out


def committed_rows(
    chapter: str | None = None,
    profile: str = "full",
    *,
    results_dir: str | Path | None = None,
) -> list[dict]:
    """Rows for the Results committed in ``results_dir`` (default: the book's), nothing trained.

    Only the claims of ``chapter`` if given; a claim whose experiment has no
    committed Result gets a row that says so, and one whose committed Result
    is outdated (its config differs from the current one) is not judged.

    Example:
        >>> rows = committed_rows("Weight normalization", results_dir="no/such/folder")
        >>> rows[0]["status"]
        'not run'
    """
    from normlab import experiments

    folder = results_dir if results_dir is not None else _book_results()
    out = []
    for claim in claims():
        if chapter is not None and claim.chapter != chapter:
            continue
        result = experiments.committed(claim.experiment, profile, folder=folder)
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
    """One table row: the claim, the paper's value, and (given a Result) ours and its status.

    An outdated Result (see :func:`normlab.experiments.outdated`) is shown
    with its mark and the changed fields, never judged.
    """
    from normlab import experiments

    row = {"chapter": claim.chapter, "claim": claim.claim, "paper": claim.paper}
    if result is None:
        return row
    changed = experiments.outdated(result)
    if changed:
        return {
            **row,
            "ours": (
                f"outdated: config changed since this run ({', '.join(changed)}); rerun on a GPU"
            ),
            "measured": result.label,
            "status": "outdated",
        }
    ours, verdict = claim.judge(result)
    return {**row, "ours": ours, "measured": result.label, "status": verdict}


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
        "status": status(verdicts),
    }
