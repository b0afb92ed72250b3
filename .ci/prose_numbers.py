"""Every number the book's prose quotes, and the Result it comes from: generated, not typed.

The chapters put numbers into their text only through ``{glue:text}`` / ``{glue:md}``
roles. This script reads the executed notebooks of a build
(``_build/jupyter_execute/book/*.ipynb``), takes each glued value, and traces
the cell that glued it back, through the variables it reads (by their
assignments in earlier cells), to the ``experiments.run_experiment("NAME",
...)`` calls (the build's live profile) and ``experiments.committed("NAME")``
calls (the committed full-profile Result) and ``lead("NAME", ...)`` calls (the
committed full run where current, else the build's) it depends on, and names the
Result each one gave this build. Values computed from the library alone (closed
forms) are listed as such.

    python .ci/prose_numbers.py [BUILD_DIR] [--out FILE]   # default _build, stdout

Exit status 1 if the prose uses a glue key that no cell glued.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLE = re.compile(r"\{glue:(?:text|md)\}`([^`:]+)(?::[^`]*)?`|```\{glue:md\}\s+(\S+)")
SOURCE_CALL = {
    "run_experiment": "live run, the build's profile",
    "committed": "committed full-profile Result",
    "lead": "lead: the committed full run if current, else the build's run",
}


def _calls(node: ast.AST) -> set[tuple[str, str]]:
    """``(experiment, kind)`` for each experiments.run_experiment / committed call in node."""
    found = set()
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in SOURCE_CALL
            and sub.args
            and isinstance(sub.args[0], ast.Constant)
            and isinstance(sub.args[0].value, str)
        ):
            found.add((sub.args[0].value, SOURCE_CALL[sub.func.attr]))
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _parse(source: str) -> ast.Module | None:
    lines = [  # IPython magics become `pass`, keeping their block valid
        ln[: len(ln) - len(ln.lstrip())] + "pass"
        if ln.lstrip().startswith(("%", "!"))
        else ln
        for ln in source.splitlines()
    ]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def trace(notebook: dict) -> dict[str, dict]:
    """``{glue key: {"value": text, "sources": sorted [(experiment, kind)]}}`` of one notebook."""
    origin: dict[str, set] = {}  # variable -> the results it was computed from
    out = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = _parse("".join(cell["source"]))
        if tree is None:
            continue
        # a variable takes the origins of what it was computed from
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                targets, expr, keep = stmt.targets, stmt.value, False
            elif isinstance(stmt, ast.AugAssign):
                targets, expr, keep = [stmt.target], stmt.value, True
            elif isinstance(stmt, ast.For):
                targets, expr, keep = [stmt.target], stmt.iter, False
            else:
                continue
            got = _calls(expr) | {s for n in _names(expr) for s in origin.get(n, ())}
            for t in targets:
                for name in _names(t):
                    origin[name] = (origin.get(name, set()) if keep else set()) | got
        local = {
            n
            for c in ast.walk(tree)
            if isinstance(c, ast.comprehension)
            for n in _names(c.target)
        }
        cell_sources = _calls(tree) | {
            s for n in _names(tree) - local for s in origin.get(n, ())
        }
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if not name:
                continue
            data = o.get("data", {})
            value = next(
                (
                    v
                    for k, v in data.items()
                    if k.endswith(("text/plain", "text/markdown"))
                ),
                "",
            )
            value = "".join(value) if isinstance(value, list) else value
            out[name] = {
                "value": str(value).strip("'\""),
                "sources": sorted(cell_sources),
            }
    return out


def _executed(build: Path, md: Path) -> dict | None:
    """The executed notebook of ``md``, with every cell (the build's jupyter-cache keeps the
    cells that ``remove-cell`` drops from ``jupyter_execute/``), or None."""
    try:
        from jupyter_cache import get_cache

        cache = get_cache(str(build / ".jupyter_cache"))
        record = cache.get_cached_project_nb(str(md))
        if record is not None:
            return json.loads(json.dumps(cache.get_cache_bundle(record.pk).nb))
    except Exception:  # no cache, or the page was not executed through it
        pass
    path = build / "jupyter_execute" / "book" / f"{md.stem}.ipynb"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def resolved(
    name: str, kind: str, *, folder: Path | None = None, profile: str = ""
) -> str:
    """Which Result a source call gave this build: the committed full run or the build's.

    A ``lead`` call takes the committed full-profile Result when it is current
    (:func:`normlab.experiments.lead`), so the row names the one it used.
    """
    from normlab import experiments

    live = (
        f"{name}: this build's run ({profile or experiments.default_profile()} profile)"
    )
    if kind == SOURCE_CALL["run_experiment"]:
        return live
    full = experiments.committed(name, folder=folder)
    if kind == SOURCE_CALL["committed"]:
        return (
            f"{name}: committed full run ({full.label})"
            if full
            else f"{name}: none committed"
        )
    if full is None:
        return f"{live}; no full run committed"
    if full.outdated:
        return (
            f"{live}; the committed full run is OUTDATED ({', '.join(full.outdated)})"
        )
    return f"{name}: committed full run ({full.label})"


def rows(build: Path) -> tuple[list[dict], list[str]]:
    """One row per glue role in the prose of every chapter; and the keys nobody glued."""
    table, missing = [], []
    for md in sorted((ROOT / "book").glob("*.md")):
        keys = [a or b for a, b in ROLE.findall(md.read_text(encoding="utf-8"))]
        if not keys:
            continue
        notebook = _executed(build, md)
        if notebook is None:
            missing += [f"{md.stem}: {k} (page not executed in {build})" for k in keys]
            continue
        glued = trace(notebook)
        for key in dict.fromkeys(keys):
            if key not in glued:
                missing.append(f"{md.stem}: {key}")
                continue
            sources = glued[key]["sources"]
            table.append(
                {
                    "page": md.stem,
                    "key": key,
                    "value": glued[key]["value"],
                    "from": " / ".join(resolved(e, k) for e, k in sources)
                    or "library only (closed form or constant)",
                }
            )
    return table, missing


def markdown(table: list[dict]) -> str:
    def cell(text: str) -> str:
        text = " ".join(text.split()).replace("|", "\\|")
        return text if len(text) <= 120 else text[:117] + "..."

    lines = [
        "| page | glue key | value in this build | computed from |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r['page']} | `{r['key']}` | {cell(r['value'])} | {r['from']} |"
        for r in table
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build", nargs="?", type=Path, default=ROOT / "_build")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    table, missing = rows(args.build)
    text = markdown(table)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(table)} prose numbers -> {args.out}")
    else:
        sys.stdout.write(text)
    for m in missing:
        print(f"glued by no cell: {m}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
