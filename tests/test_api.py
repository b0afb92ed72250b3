"""The public API: everything exported is documented, and importing stays light."""

import inspect
import subprocess
import sys

import normlab


def test_every_public_name_has_a_docstring():
    undocumented = [
        n for n in normlab.__all__ if not (getattr(normlab, n).__doc__ or "").strip()
    ]
    assert not undocumented


def test_all_is_sorted_and_complete():
    assert list(normlab.__all__) == sorted(normlab.__all__)
    assert all(hasattr(normlab, n) for n in normlab.__all__)


def test_import_pulls_no_heavy_optional_dependency():
    code = (
        "import sys, normlab; heavy = [m for m in ('tensorflow', 'tensorflow_datasets', "
        "'matplotlib', 'jupyter_book', 'torch', 'pytest') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_api_page_says_where_every_top_level_object_lives():
    import importlib
    import re
    from pathlib import Path

    page = (Path(__file__).parents[1] / "book" / "api.md").read_text()
    table = page.split("## Where each lives")[1].split("\n## ")[0]
    listed = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`normlab"):
            module = cells[1].strip("`")
            for name in re.findall(r"`(\w+)`", cells[0]):
                listed[name] = module
    objects = {n for n in normlab.__all__ if not inspect.ismodule(getattr(normlab, n))}
    assert objects <= set(listed), (
        f"missing from the table: {sorted(objects - set(listed))}"
    )
    for name, module in listed.items():
        assert hasattr(importlib.import_module(module), name), (
            f"{name} is not in {module}"
        )
