"""The public API: everything exported is documented, and importing stays light."""

import subprocess
import sys

import normlab


def test_every_public_name_has_a_docstring():
    undocumented = [n for n in normlab.__all__ if not (getattr(normlab, n).__doc__ or "").strip()]
    assert not undocumented


def test_all_is_sorted_and_complete():
    assert list(normlab.__all__) == sorted(normlab.__all__)
    assert all(hasattr(normlab, n) for n in normlab.__all__)


def test_import_pulls_no_heavy_optional_dependency():
    code = (
        "import sys, normlab; heavy = [m for m in ('tensorflow', 'tensorflow_datasets', "
        "'matplotlib', 'jupyter_book', 'torch', 'pytest') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
