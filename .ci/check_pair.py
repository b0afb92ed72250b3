"""Fail when a chapter's .ipynb has drifted from its MyST .md or carries outputs.

Usage: python .ci/check_pair.py book/chapter.md book/chapter.ipynb
"""

import sys

import jupytext
import nbformat


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def main(md_path: str, nb_path: str) -> int:
    md, nb = jupytext.read(md_path), nbformat.read(nb_path, as_version=4)
    problems = []
    if cells(md) != cells(nb):
        problems.append(f"{nb_path} differs from {md_path}: run `jupytext --sync {md_path}`")
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count")):
            problems.append(f"{nb_path} cell {i} carries outputs: clear them before committing")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
