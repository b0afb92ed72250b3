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


def test_a_lead_source_names_the_result_it_gave_the_build(tmp_path):
    from normlab import experiments, results
    from normlab.results import Result

    lead = pn.SOURCE_CALL["lead"]
    got = pn.resolved("fixed_point_map", lead, folder=tmp_path, profile="small")
    assert (
        got
        == "fixed_point_map: this build's run (small profile); no full run committed"
    )
    config = experiments.get("fixed_point_map").get_config("full")
    seeds = config.pop("seeds")
    env = {"device_kind": "NVIDIA H200", "backend": "gpu"}
    current = Result("fixed_point_map", "full", dict(config), seeds, {}, {}, env)
    current.metrics = {"normalized_weights": {"spectral_radius": []}}
    results.save(current, tmp_path / "fixed_point_map-full.json")
    got = pn.resolved("fixed_point_map", lead, folder=tmp_path, profile="small")
    assert (
        got.startswith("fixed_point_map: committed full run (full profile")
        and "H200" in got
    )
    old = Result(
        "fixed_point_map", "full", {**config, "iterations": 1}, seeds, current.metrics
    )
    results.save(old, tmp_path / "fixed_point_map-full.json")
    got = pn.resolved("fixed_point_map", lead, folder=tmp_path, profile="small")
    assert got.endswith(
        "this build's run (small profile); the committed full run is OUTDATED "
        "(iterations)"
    )
