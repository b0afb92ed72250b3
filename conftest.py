"""Shared by tests/ and the doctests of normlab/: close every figure after each test.

Doctests draw figures through pyplot; left open they pile up past matplotlib's
limit of 20 and its warning (an error here) fails whichever test comes next.
"""

import sys

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
