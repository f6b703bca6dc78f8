"""Valid bids at the edges: every flow fixed for an organisation, one uncertain input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import bpv

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"


def bpv_command(*args: str | Path) -> tuple[int, str]:
    run = subprocess.run([sys.executable, "-m", "bpv", *map(str, args)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT, check=False)
    return run.returncode, run.stdout + run.stderr


def fixed_bid(tmp_path: Path, keep_uncertain: tuple[str, ...] = ()) -> Path:
    """The example bid with every parameter fixed at its mean but those named, and sure delivery."""
    bid = bpv.load(FRAILTY)
    data = json.loads(bid.to_json())
    for name, parameter in bid.parameters.items():
        if name not in keep_uncertain:
            mean = float(parameter.distribution.to_scipy().mean())
            data["parameters"][name] = {"dist": "fixed", "value": mean}
    for node in data["nodes"]:
        if "success" in node:
            node["success"] = 1.0
    path = tmp_path / "fixed.json"
    path.write_text(json.dumps(data))
    return path


def test_a_report_of_organisations_with_no_spread_is_written(tmp_path):
    # Every flow fixed: each scope's p5, mean and p95 agree to rounding, and the p5 can
    # fall a rounding error above the mean ("xerr must not contain negative values").
    bid = fixed_bid(tmp_path)
    code, out = bpv_command("report", bid, "--draws", "2000", "--seed", "1", "--quiet",
                            "-o", tmp_path / "report.html")
    assert code == 0, out
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_the_organisations_plot_of_a_spread_free_bid_has_no_negative_error_bar(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    bid = bpv.load(fixed_bid(tmp_path))
    result = bpv.appraise(bid, n_draws=2_000, rng=1, progress=False)
    ax = bpv.plot.organisations(result)
    for collection in ax.collections:  # the error bars' line segments
        for segment in collection.get_segments():
            assert segment[0][0] <= segment[1][0] + 1e-9


def test_sensitivity_with_one_uncertain_input(tmp_path):
    bid = fixed_bid(tmp_path, keep_uncertain=("tariff",))
    code, out = bpv_command("sensitivity", bid, "--draws", "4000", "--sobol", "256", "--seed",
                            "1", "--quiet", "--json")
    assert code == 0, out  # was: the Sobol' step indexed a scalar, "internal error"
    (name, row), = json.loads(out)["inputs"].items()
    assert name == "tariff"
    assert row["sobol"]["first"] > 0.9  # the only input explains all the variance
    # With nothing to partial out, the partial rank correlation is the rank correlation
    # (the singular 2 x 2 matrix used to give it the wrong sign).
    assert row["prcc"] == row["spearman"]
    assert row["spearman"] > 0.99
