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
        "--force",
        action="store_true",
        help="rerun experiments whose JSON already exists in --out",
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
        return _show(args.path)
    if args.command == "reproduce":
        return _reproduce(args)
    return _run(args)


def _show(path: Path) -> int:
    import json

    from normlab import results

    if not path.is_file():
        print(
            f"error: {path}: no such file (pass a result JSON written by `run`)",
            file=sys.stderr,
        )
        return 1
    try:
        result = results.load(path)
        _print_summary(result)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"error: {path} is not a readable JSON file: {e}", file=sys.stderr)
        return 1
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        print(
            f"error: {path} is not a normlab result JSON ({type(e).__name__}: {e})",
            file=sys.stderr,
        )
        return 1
    return 0


def _reproduce(args) -> int:
    if args.jobs < 1:
        print(f"error: --jobs {args.jobs}: must be >= 1", file=sys.stderr)
        return 2
    if args.budget is not None and not args.budget > 0:
        print(f"error: --budget {args.budget:g}: must be > 0 seconds", file=sys.stderr)
        return 2
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
        print(
            f"[{i}/{len(names)}] {name}: running the {args.profile} profile", flush=True
        )
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
        print(
            f"error: {len(failed)} experiment(s) failed: {', '.join(failed)}",
            file=sys.stderr,
        )
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
                print(
                    f"{name}: not started, the {args.budget:g} s budget is spent",
                    flush=True,
                )
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
                    f"{name}: rc={proc.returncode} in {time.monotonic() - began:.0f} s",
                    flush=True,
                )
            del running[name]
            if proc.returncode:
                failed.append(name)
        time.sleep(0.1)
    if failed:
        print(
            f"error: {len(failed)} experiment(s) failed: {', '.join(failed)}",
            file=sys.stderr,
        )
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


def _missing_data(args) -> str | None:
    """The error of a dataset the run needs and cannot get, found before JAX is imported.

    Skipped when the result cache holds any run of this experiment and profile
    (a cache hit needs no data).
    """
    from normlab import data, experiments, results

    if args.name not in experiments.names():
        return None
    folder = results.cache_path(args.name, args.profile, {}, []).parent
    if not args.no_cache and any(folder.glob(f"{args.name}-{args.profile}-*.json")):
        return None
    try:
        for name in experiments.datasets(args.name, args.profile):
            data.ensure(name)
    except (data.DataNotFoundError, data.CorruptDataError) as e:
        return str(e)
    return None


def _run(args) -> int:
    if not _use_data_dir(args.data_dir):
        return 2
    if args.seeds is not None and len(set(args.seeds)) != len(args.seeds):
        print(f"error: --seeds {args.seeds}: each seed at most once", file=sys.stderr)
        return 1
    # --set values are checked against the config first (that imports the experiment, and
    # JAX); without them a missing dataset is reported before anything heavy loads
    missing = None if args.set else _missing_data(args)
    if missing is not None:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    from normlab import data, experiments, results, train

    try:
        module = experiments.get(args.name)
        config = module.get_config(args.profile)
        overrides = _overrides(args.set)
        _check_overrides(args.name, overrides, config)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    run_config = {**config, **overrides}
    profile_seeds = run_config.pop("seeds")
    seeds = [int(x) for x in (profile_seeds if args.seeds is None else args.seeds)]
    cached = results.cache_path(args.name, args.profile, run_config, seeds)
    hit = not args.no_cache and cached.is_file()
    try:
        result = experiments.run_experiment(
            args.name,
            profile=args.profile,
            seeds=args.seeds,
            overrides=overrides,
            use_cache=not args.no_cache,
            progress=False if args.quiet else None,
        )
    except (
        ValueError,
        data.DataNotFoundError,
        data.CorruptDataError,
        train.DivergenceError,
    ) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    stem = args.out / _stem(args.name, args.profile, args.set, args.seeds)
    results.save(result, stem.with_suffix(".json"))
    written = [stem.with_suffix(".json")]
    try:
        experiments.figure(result).savefig(stem.with_suffix(".png"), dpi=120)
        written.append(stem.with_suffix(".png"))
    except ImportError as e:
        print(
            f"note: no figure ({e}); pip install 'normlab[experiments]'",
            file=sys.stderr,
        )
    if hit:
        print(
            f"cached result from {cached} (created {result.created or 'earlier'}); not retrained, "
            "--no-cache retrains"
        )
    _print_summary(result, cached=hit)
    print("wrote " + ", ".join(str(p) for p in written))
    return _chance_check(result)


def _stem(name: str, profile: str, pairs: list[str], seeds: list[int] | None) -> str:
    """``NAME-PROFILE``, plus the --set pairs and --seeds, so such runs do not overwrite it."""
    import re

    parts = [name, profile]
    parts += [re.sub(r"[^A-Za-z0-9._=]+", "_", p) for p in pairs]
    if seeds is not None:
        parts.append("seeds" + "_".join(str(x) for x in seeds))
    stem = "-".join(parts)
    if len(stem) > 120:
        import hashlib

        stem = f"{name}-{profile}-" + hashlib.sha256(stem.encode()).hexdigest()[:12]
    return stem


def _chance_check(result) -> int:
    """Exit status 3, with a warning, when every seed ended at chance accuracy."""
    import numpy as np

    acc = result.summary.get("test_accuracy")
    try:
        acc = np.asarray(acc, dtype=float).ravel()
    except (TypeError, ValueError):
        return 0
    classes = (
        int(result.config.get("num_classes", 10))
        if isinstance(result.config, dict)
        else 10
    )
    chance = 1.0 / classes
    if acc.size and np.all(acc <= chance + 0.05):
        print(
            f"warning: test accuracy {acc.max():.4f} is at chance ({chance:.2f} for {classes} "
            "classes): the run learned nothing; check the --set values (learning rate, epochs)",
            file=sys.stderr,
        )
        return 3
    return 0


def _overrides(pairs: list[str]) -> dict:
    import json

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        if key in out:
            raise ValueError(f"--set {key}= given twice")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _check_overrides(name: str, overrides: dict, config: dict) -> None:
    """Each --set value must have the type of the profile's value (ints for ints, ...)."""
    unknown = sorted(set(overrides) - set(config))
    if unknown:
        raise ValueError(
            f"unknown config fields for {name!r}: {unknown}; allowed: {sorted(config)}"
        )
    for key, value in overrides.items():
        default = config[key]
        if default is None:
            continue
        if isinstance(default, bool):
            ok, want = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok, want = (
                isinstance(value, int) and not isinstance(value, bool),
                "an integer",
            )
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            want = "a number"
        elif isinstance(default, str):
            ok, want = isinstance(value, str), "a string"
        elif isinstance(default, (list, tuple)):
            ok, want = isinstance(value, list), "a JSON list, e.g. [1,2]"
        else:
            ok, want = True, ""
        if not ok:
            raise ValueError(
                f"--set {key}={_json_text(value)}: {key} must be {want} "
                f"(the profile's value is {_json_text(default)})"
            )
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and value != value
        ):
            raise ValueError(f"--set {key}: NaN is not a value")


def _json_text(value) -> str:
    import json

    return json.dumps(value)


def _print_summary(result, *, cached: bool = False) -> None:
    import numpy as np

    when = "originally trained in" if cached else "wall time"
    print(f"{result.name}: {result.label}; {when} {result.wall_time_s:.1f} s")
    for key, values in result.summary.items():
        try:
            v = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            print(f"  {key}: {values}")
            continue
        if v.ndim == 1 and v.size > 1:
            print(
                f"  {key}: {v.mean():.4f} (min {v.min():.4f}, max {v.max():.4f}, {v.size} seeds)"
            )
        elif v.size == 1:
            print(f"  {key}: {v.item():.4f}")
        else:
            print(f"  {key}: {values}")


if __name__ == "__main__":
    sys.exit(main())
