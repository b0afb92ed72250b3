"""The generated list of prose numbers (.ci/prose_numbers.py): each glued value traced back
through the variables of earlier cells to the experiment Result it was computed from."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "prose_numbers", ROOT / ".ci" / "prose_numbers.py"
)
pn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pn)


def _code(source, glued=()):
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {"scrapbook": {"name": name}},
            "data": {"application/papermill.record/text/plain": repr(value)},
        }
        for name, value in glued
    ]
    return {"cell_type": "code", "source": source, "outputs": outputs}


def test_trace_follows_variables_to_the_result_and_forgets_reassigned_ones():
    nb = {
        "cells": [
            _code(
                "if True:\n    %pip install x\n"
            ),  # a magic must not hide the cells after it
            _code(
                'a = experiments.run_experiment("one", profile=profile)\n'
                'full = experiments.committed("two")'
            ),
            _code("s = a.summary\nc = [x for x in full.metrics]", [("k1", 0.5)]),
            _code("plotting.glue('k2', f'{s[0]:.2f}')", [("k2", "0.50")]),
            _code("s = 3.0\nplotting.glue('k3', s)", [("k3", 3.0)]),
            _code("plotting.glue('k4', str([c for c in full.config]))", [("k4", "[]")]),
        ]
    }
    got = pn.trace(nb)
    live, full = (
        ("one", pn.SOURCE_CALL["run_experiment"]),
        ("two", pn.SOURCE_CALL["committed"]),
    )
    assert got["k1"]["sources"] == sorted([live, full])
    assert got["k2"] == {"value": "0.50", "sources": [live]}
    assert got["k3"]["sources"] == []  # s was reassigned from a constant
    assert got["k4"]["sources"] == [full]  # the comprehension's c is not the earlier c
