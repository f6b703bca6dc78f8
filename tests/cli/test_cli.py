"""The command line as a user runs it: a real subprocess, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import numpy as np
import pytest

import bpv
from bpv.cli import main

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True, text=True,
                          check=False)


def test_validate_prints_ok_for_a_valid_bid():
    result = run("validate", FRAILTY)
    assert result.returncode == 0
    assert result.stdout == f"{FRAILTY}: ok\n"
    assert result.stderr == ""


def test_validate_reports_problems_with_file_line_and_location():
    result = run("validate", "tests/data/invalid/unknown_reference.yaml")
    assert result.returncode == 1
    assert result.stdout == (
        "tests/data/invalid/unknown_reference.yaml:21: nodes[3].formula: unknown name "
        "'admit_rte' (did you mean 'admit_rate'?)\n"
    )
    assert "Traceback" not in result.stderr


def test_validate_json_output(capsys):
    assert main(["validate", "--json", FRAILTY, "tests/data/invalid/cycle.yaml"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    good, bad = report["files"]
    assert good == {"file": FRAILTY, "valid": True, "problems": [], "warnings": [],
                    "id": "frailty-virtual-ward"}
    assert bad["problems"] == [{"location": "nodes[2]", "line": 20,
                                "message": "cycle: patients -> seen -> patients"}]


def test_warnings_are_printed_and_strict_fails_on_them(tmp_path, capsys):
    data = bpv.load(FRAILTY).to_dict()
    data["parameters"]["unused"] = 3.0
    path = tmp_path / "bid.yaml"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    # one line of JSON: the warning is on line 1
    assert f"{path}:1: warning: parameters.unused: parameter is not used by any node" in out
    assert f"{path}: ok" in out
    assert main(["validate", "--strict", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: ok" not in out  # it fails: no "ok" above its warning
    assert "parameters.unused: parameter is not used" in out
    assert main(["validate", "--strict", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["files"][0]["valid"] is False
    assert main(["validate", "--strict", str(FRAILTY)]) == 0  # no warnings: still ok
    assert f"{FRAILTY}: ok" in capsys.readouterr().out


def test_schema_command_prints_the_schema(tmp_path):
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema == bpv.bid_schema()
    jsonschema.validate(bpv.load(FRAILTY).to_dict(), schema)
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == schema


def test_schema_to_an_unwritable_place_is_one_clean_line(tmp_path, capsys):
    assert main(["schema", "-o", str(tmp_path / "missing" / "schema.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bpv: cannot write")
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["validate"]])
def test_usage_errors_exit_two_without_traceback(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage: bpv" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"bpv {bpv.__version__}"


def test_a_loose_quantile_fit_is_reported(tmp_path, capsys):
    data = bpv.load(FRAILTY).to_dict()
    data["parameters"]["admit_rate"] = {
        "dist": "quantiles", "probs": [0.1, 0.5, 0.9], "values": [0.1, 0.5, 0.52],
        "shape": "normal"}
    path = tmp_path / "bid.json"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: parameters.admit_rate: the fitted normal misses the quantile judgements" in out


def test_appraise_json_has_every_metric_with_its_statistics():
    result = run("appraise", FRAILTY, "--draws", "3000", "--seed", "4", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    fields = {"mean", "sd", "median", "p5", "p95", "mcse"}
    for metric in ("cost_pv", "cash_releasing_pv", "benefit_pv", "npv", "roi", "bcr",
                   "cash_roi", "payback", "qalys", "nmb"):
        assert fields <= set(report["metrics"][metric]), metric
    for org in ("icb", "acute", "community"):
        assert fields <= set(report["organisations"][org]["npv"])
    assert report["provenance"]["entropy"] == 4
    assert report["provenance"]["n_draws"] == 3000
    direct = bpv.appraise(bpv.load(FRAILTY), n_draws=3000, rng=4)
    assert report["metrics"]["npv"]["mean"] == pytest.approx(float(direct["npv"].mean()),
                                                              rel=1e-12)
    years = report["metric_nodes"]["admissions_avoided"]
    assert years["periods"] == ["2025/26", "2026/27", "2027/28", "2028/29", "2029/30"]
    assert len(years["by_period"]["mean"]) == 5


def test_appraise_subsample_sets_the_draws_kept_for_quantiles_only():
    result = run("appraise", FRAILTY, "--draws", "6000", "--seed", "4", "--subsample", "600",
                 "--json")
    assert result.returncode == 0, result.stderr
    npv = json.loads(result.stdout)["metrics"]["npv"]
    full = bpv.appraise(bpv.load(FRAILTY), n_draws=6000, rng=4)
    assert npv["mean"] == pytest.approx(float(full["npv"].mean()), rel=1e-12)  # every draw
    assert npv["median"] == pytest.approx(float(np.median(full["npv"][::10])), rel=1e-12)
    refused = run("appraise", FRAILTY, "--subsample", "0")
    assert refused.returncode == 2
    assert "--subsample" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_appraise_text_is_readable_and_bad_files_fail_cleanly(tmp_path):
    result = run("appraise", FRAILTY, "--draws", "2000", "--seed", "1", "--quiet")
    assert result.returncode == 0
    assert "Net present value " in result.stdout
    assert "Cash by year, undiscounted" in result.stdout
    assert "North Acute Trust" in result.stdout
    assert "admissions_avoided (admissions)" in result.stdout
    bad = run("appraise", "tests/data/invalid/cycle.yaml")
    assert bad.returncode == 1
    assert "cycle: patients -> seen -> patients" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert run("appraise", FRAILTY, "--draws", "0").returncode == 2


@pytest.mark.parametrize("path", sorted(__import__("pathlib").Path("examples/bids").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_example_bid_appraises(path):
    result = run("appraise", str(path), "--draws", "2000", "--seed", "0", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bid"] == bpv.load(path).id


def test_the_readme_shows_real_output():
    readme = __import__("pathlib").Path("README.md").read_text()
    shown = readme.split("$ bpv validate tests/data/invalid/unknown_reference.yaml\n")[1]
    expected_line = shown.split("\n")[0]
    result = run("validate", "tests/data/invalid/unknown_reference.yaml")
    assert result.stdout.strip() == expected_line


def test_appraise_with_the_compiled_kernel_gives_the_numpy_kernels_figures():
    pytest.importorskip("numba")
    reports = [json.loads(main_output) for main_output in (
        run("appraise", FRAILTY, "--draws", "3000", "--seed", "4", "--json", *extra).stdout
        for extra in ((), ("--kernel", "compiled")))]
    assert [report["provenance"]["kernel"] for report in reports] == ["numpy", "compiled"]
    for metric in ("npv", "qalys", "roi"):
        assert reports[1]["metrics"][metric]["mean"] == pytest.approx(
            reports[0]["metrics"][metric]["mean"], rel=1e-12)


def test_appraise_refuses_an_unknown_kernel():
    result = run("appraise", FRAILTY, "--kernel", "fortran")
    assert result.returncode == 2
    assert "invalid choice: 'fortran'" in result.stderr


def test_the_command_line_offers_exactly_the_choices_the_library_checks():
    import argparse

    from bpv.analysis.sensitivity import GROUPINGS
    from bpv.cli._parser import build_parser
    from bpv.engine.monte_carlo import KERNELS, METHODS

    offered: dict[tuple[str, str], tuple[str, ...]] = {}

    def walk(parser: argparse.ArgumentParser, verb: str) -> None:
        # verbs and their own verbs (bpv track add): every flag with choices, at any depth
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{verb} {name}".strip())
            elif action.choices is not None:
                offered[(verb, action.dest)] = tuple(action.choices)

    walk(build_parser(), "")
    appraising = ("appraise", "report", "compare", "sensitivity", "scenarios", "track add",
                  "batch", "portfolio")
    expected = {(verb, "method"): METHODS for verb in appraising}
    expected |= {(verb, "kernel"): KERNELS for verb in appraising}
    from bpv.programme.selection import OBJECTIVES

    expected |= {("sensitivity", "groups"): GROUPINGS, ("portfolio", "objective"): OBJECTIVES}
    from bpv.tables import FORMATS

    expected |= {(verb, "format"): FORMATS for verb in
                 ("appraise", "compare", "sensitivity", "scenarios", "batch", "portfolio",
                  "track status")}
    expected |= {("schema", "kind"): ("bid", *bpv.OUTPUT_KINDS)}
    assert offered == expected
