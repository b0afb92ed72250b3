"""The whole book's small-profile build time: cold (no caches) and from the execution cache.

    python benchmarks/book_build.py

Cold, as CI builds it: after `jupyter-book clean --all`, with an empty normlab
result cache, `python -m normlab reproduce --profile small --jobs 2` (the
chapters' experiments, two at a time) and then `jupyter-book build --all -W
-n --keep-going .`; the time of the two together. Then the build again,
unchanged (Jupyter Book's execution cache serves every notebook). Needs the
datasets in $NORMLAB_DATA_DIR.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import save, table

ROOT = Path(__file__).resolve().parents[1]


def build(env, *, experiments_first: bool) -> float:
    start = time.perf_counter()
    if experiments_first:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "normlab",
                "reproduce",
                "--profile",
                "small",
                "--jobs",
                "2",
            ]
            + ["--quiet", "--out", tempfile.mkdtemp(prefix="normlab-small-")],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run(
        ["jupyter-book", "build", "--all", "-W", "-n", "--keep-going", "."],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main():
    if not os.environ.get("NORMLAB_DATA_DIR"):
        sys.exit("set NORMLAB_DATA_DIR to the folder with the MNIST and CIFAR-10 files")
    env = dict(
        os.environ, CI="true", NORMLAB_CACHE_DIR=tempfile.mkdtemp(prefix="normlab-")
    )
    subprocess.run(
        ["jupyter-book", "clean", "--all", "."],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    cold = build(env, experiments_first=True)
    cached = build(env, experiments_first=False)
    rows = [
        {"build": "cold (no caches)", "seconds": cold, "goal": "<= 600"},
        {"build": "from the execution cache", "seconds": cached, "goal": "<= 60"},
    ]
    print(table(rows, ["build", "seconds", "goal"]))
    print("wrote", save("book_build", {"rows": rows}))


if __name__ == "__main__":
    main()
