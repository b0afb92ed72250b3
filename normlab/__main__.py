"""The command line: ``python -m normlab list | run NAME | reproduce | show RESULT``.

Examples::

    python -m normlab list
    python -m normlab run mlp_mnist --profile small
    python -m normlab reproduce --profile full     # every experiment -> book/results/
    python -m normlab reproduce --profile small --jobs 2 --out /tmp/small  # 2 at a time
    python -m normlab show runs/mlp_mnist-small.json
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m normlab",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list the experiments and their profiles")

    run = sub.add_parser("run", help="run an experiment (or load its cached result)")
    run.add_argument("name", help="experiment name (see `list`)")
    run.add_argument(
        "--profile",
        choices=["small", "full"],
        default="small",
        help="small: this CPU in about a minute; full: the paper's scale on one GPU "
        "(default: small)",
    )
    run.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        metavar="SEED",
        help="integer seeds (default: the profile's)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        help="folder for the result JSON and figure PNG (default: runs/)",
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        help="folder with the canonical MNIST/CIFAR-10 files (default: "
        "$NORMLAB_DATA_DIR, else tensorflow-datasets)",
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="retrain even if a cached result for this config exists",
    )
    run.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="override config fields, e.g. --set epochs=1 width=64 (values are "
        "JSON: numbers, true/false, lists; anything else is a string)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    rep = sub.add_parser(
        "reproduce",
        help="run every experiment at a profile (resumable) and "
        "write the result JSON files the book shows",
    )
    rep.add_argument(
        "--profile",
        choices=["small", "full"],
        default="full",
        help="profile to run (default: full)",
    )
    rep.add_argument("--only", nargs="+", metavar="NAME", help="only these experiments")
    rep.add_argument(
        "--out",
        type=Path,
        default=Path("book") / "results",
        help="folder for NAME-PROFILE.json (default: book/results)",
    )
    rep.add_argument("--data-dir", type=Path, help="as for `run`")
    rep.add_argument(
        "--force", action="store_true", help="rerun experiments whose JSON already exists in --out"
    )
    rep.add_argument("--quiet", action="store_true", help="no progress bars")
    rep.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="run N experiments at a time, each in its own process, longest first or in "
        "the order of --only (XLA compiles on one core, so 2 pays on a 2-core CPU; default 1)",
    )
    rep.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="stop every experiment still running this many seconds after the start, and "
        "start none after it (each runs in its own process; finished ones are kept)",
    )

    show = sub.add_parser("show", help="summarise a result JSON file")
    show.add_argument("path", type=Path, help="a result JSON written by `run`")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "show":
        from normlab import results

        _print_summary(results.load(args.path))
        return 0
    if args.command == "reproduce":
        return _reproduce(args)
    return _run(args)


def _reproduce(args) -> int:
    if not _use_data_dir(args.data_dir):
        return 2
    from normlab import experiments, results

    names = args.only or experiments.longest_first()
    if args.jobs > 1 or args.budget is not None:
        return _reproduce_in_processes(args, names)
    failed = []
    for i, name in enumerate(names, 1):
        path = args.out / f"{name}-{args.profile}.json"
        if path.is_file() and not args.force:
            print(f"[{i}/{len(names)}] {name}: {path} exists, skipped (--force reruns)")
            continue
        print(f"[{i}/{len(names)}] {name}: running the {args.profile} profile", flush=True)
        try:
            result = experiments.run_experiment(
                name, profile=args.profile, progress=False if args.quiet else None
            )
        except Exception as e:  # report and go on: one failure must not cost the others
            print(f"  failed: {type(e).__name__}: {e}", file=sys.stderr)
            failed.append(name)
            continue
        results.save(result, path)
        _print_summary(result)
    if failed:
        print(f"error: {len(failed)} experiment(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _reproduce_in_processes(args, names: list[str]) -> int:
    """``reproduce`` with ``args.jobs`` experiments at a time, one process each, within
    ``args.budget`` seconds if given; prints each one's outcome and time."""
    import subprocess
    import time

    if args.jobs < 1:
        print(f"error: --jobs {args.jobs}: must be >= 1", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "normlab", "reproduce", "--profile", args.profile]
    cmd += ["--out", str(args.out), "--jobs", "1"]
    cmd += ["--quiet"] * args.quiet + ["--force"] * args.force
    if args.data_dir is not None:
        cmd += ["--data-dir", str(args.data_dir)]
    start = time.monotonic()
    deadline = start + args.budget if args.budget is not None else float("inf")
    pending, running, failed = list(names), {}, []
    while pending or running:
        while pending and len(running) < args.jobs and time.monotonic() < deadline:
            name = pending.pop(0)
            running[name] = (subprocess.Popen([*cmd, "--only", name]), time.monotonic())
        if time.monotonic() >= deadline:
            for name in pending:
                print(f"{name}: not started, the {args.budget:g} s budget is spent", flush=True)
            failed += pending
            pending = []
        for name, (proc, began) in list(running.items()):
            if proc.poll() is None and time.monotonic() >= deadline:
                proc.terminate()
                proc.wait()
                print(f"{name}: stopped at the {args.budget:g} s budget", flush=True)
            elif proc.poll() is None:
                continue
            else:
                print(
                    f"{name}: rc={proc.returncode} in {time.monotonic() - began:.0f} s", flush=True
                )
            del running[name]
            if proc.returncode:
                failed.append(name)
        time.sleep(0.1)
    if failed:
        print(f"error: {len(failed)} experiment(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _use_data_dir(data_dir) -> bool:
    if data_dir is None:
        return True
    if not data_dir.is_dir():
        print(f"error: --data-dir {data_dir} is not a folder", file=sys.stderr)
        return False
    os.environ["NORMLAB_DATA_DIR"] = str(data_dir)
    return True


def _list() -> int:
    from normlab import experiments

    for name in experiments.names():
        doc = (experiments.get(name).__doc__ or "").strip().splitlines()[0]
        print(f"{name:28s} {doc}")
    print("\nprofiles: small (this CPU, about a minute), full (one GPU)")
    return 0


def _run(args) -> int:
    if not _use_data_dir(args.data_dir):
        return 2
    from normlab import data, experiments, results, train

    try:
        experiments.get(args.name)
        result = experiments.run_experiment(
            args.name,
            profile=args.profile,
            seeds=args.seeds,
            overrides=_overrides(args.set),
            use_cache=not args.no_cache,
            progress=False if args.quiet else None,
        )
    except (ValueError, data.DataNotFoundError, data.CorruptDataError, train.DivergenceError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    stem = args.out / f"{args.name}-{args.profile}"
    results.save(result, stem.with_suffix(".json"))
    written = [stem.with_suffix(".json")]
    experiments.figure(result).savefig(stem.with_suffix(".png"), dpi=120)
    written.append(stem.with_suffix(".png"))
    _print_summary(result)
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _overrides(pairs: list[str]) -> dict:
    import json

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _print_summary(result) -> None:
    import numpy as np

    print(f"{result.name}: {result.label}; wall time {result.wall_time_s:.1f} s")
    for key, values in result.summary.items():
        try:
            v = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            print(f"  {key}: {values}")
            continue
        if v.ndim == 1 and v.size > 1:
            print(f"  {key}: {v.mean():.4f} (min {v.min():.4f}, max {v.max():.4f}, {v.size} seeds)")
        elif v.size == 1:
            print(f"  {key}: {v.item():.4f}")
        else:
            print(f"  {key}: {values}")


if __name__ == "__main__":
    sys.exit(main())
