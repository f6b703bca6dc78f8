"""``--format`` and ``-o FILE`` on every command that prints results.

Each command's file is read back with pandas and compared with the same
result computed in Python on the same seed (the numbers of a command are
those of its library function: tests/cli). Misuse exits 2, an unwritable
file 1, a missing extra 1 with one line, and never a traceback.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

import bpv
from bpv.batch.result import PROBLEM_COLUMNS, SUMMARY_COLUMNS
from bpv.cli import main
from bpv.engine.long_form import FRAME_COLUMNS
from tests.tables.conftest import DIABETES, FRAILTY, PATHOLOGY, PORTFOLIO, ROOT

# The example bids compared differ in horizon and price year, which compare warns about
# (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")

DRAWS, SEED = "1000", "3"


def _values(frame: pd.DataFrame) -> dict[tuple, float]:
    return {(row.bid, row.scope, row.metric, row.statistic): row.value
            for row in frame.itertuples(index=False) if not pd.isna(row.value)}


def test_appraise_prints_csv_and_writes_each_format(tmp_path, capsys):
    common = ["appraise", str(FRAILTY), "--draws", DRAWS, "--seed", SEED, "--quiet"]
    expected = bpv.appraise(bpv.load(FRAILTY), n_draws=1000, rng=3, progress=False)
    assert main([*common, "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == ",".join(FRAME_COLUMNS)
    frame = pd.read_csv(io.StringIO(printed), dtype={"seed": str})
    assert _values(frame) == _values(expected.to_frame())
    for suffix in ("csv", "parquet", "xlsx", "json", "txt"):
        target = tmp_path / f"frailty.{suffix}"
        assert main([*common, "-o", str(target)]) == 0
        assert capsys.readouterr().out == f"{target}\n"
    assert _values(pd.read_parquet(tmp_path / "frailty.parquet")) == _values(expected.to_frame())
    assert json.loads((tmp_path / "frailty.json").read_text()) == json.loads(expected.to_json())
    sheets = pd.read_excel(tmp_path / "frailty.xlsx", sheet_name=None)
    assert "Hypotheses register" in sheets  # the command has the bid
    assert sheets["Summary"].set_index("metric").loc["npv", "mean"] == pytest.approx(
        expected.summary().rows["npv"]["mean"], rel=1e-15)
    assert main([*common]) == 0  # the text file is what a terminal shows
    assert (tmp_path / "frailty.txt").read_text() == capsys.readouterr().out


def test_json_is_still_the_same_as_format_json(capsys):
    common = ["appraise", str(FRAILTY), "--draws", DRAWS, "--seed", SEED, "--quiet"]
    assert main([*common, "--json"]) == 0
    first = capsys.readouterr().out
    assert main([*common, "--format", "json"]) == 0
    assert capsys.readouterr().out == first
    assert json.loads(first)["bid"] == "frailty-virtual-ward"


@pytest.mark.parametrize(("command", "build"), [
    (["compare", str(FRAILTY), str(PATHOLOGY)],
     lambda: bpv.compare([bpv.load(FRAILTY), bpv.load(PATHOLOGY)], n_draws=1000, rng=3)),
    (["sensitivity", str(FRAILTY), "--sobol", "0", "--no-switching", "--quiet"],
     lambda: bpv.sensitivity(bpv.load(FRAILTY), n_draws=1000, rng=3, sobol_n=None,
                             switching=False, progress=False)),
    (["scenarios", str(PATHOLOGY), "--quiet"],
     lambda: bpv.scenarios(bpv.load(PATHOLOGY), n_draws=1000, rng=3, progress=False)),
    (["portfolio", *map(str, sorted((PORTFOLIO / "bids").glob("*.yaml"))[:4]),
      "--bootstrap", "0", "--frontier", "0"],
     lambda: bpv.portfolio([bpv.load(p) for p in sorted((PORTFOLIO / "bids").glob("*.yaml"))[:4]],
                           n_draws=1000, rng=3, n_bootstrap=0, frontier_points=0)),
])
def test_each_command_writes_csv_parquet_and_a_workbook(command, build, tmp_path, capsys):
    expected = _values(build().to_frame())
    common = [*command, "--draws", DRAWS, "--seed", SEED]
    assert main([*common, "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == ",".join(FRAME_COLUMNS)
    for suffix in ("parquet", "xlsx"):
        assert main([*common, "-o", str(tmp_path / f"out.{suffix}")]) == 0
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / "out.parquet"),
                                                    str(tmp_path / "out.xlsx")]
    assert _values(pd.read_parquet(tmp_path / "out.parquet")) == expected
    values = pd.read_excel(tmp_path / "out.xlsx", sheet_name="Values")
    assert set(_values(values)) == set(expected)


def test_batch_writes_a_workbook_a_programme_office_opens(tmp_path, capsys):
    folder = tmp_path / "bids"
    folder.mkdir()
    for path in (FRAILTY, DIABETES):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.yaml").write_text("id: broken\ntitle: Broken\nhorizon: -1\n")
    target = tmp_path / "results.xlsx"
    assert main(["batch", str(folder), "--draws", DRAWS, "--seed", SEED, "--quiet", "-o",
                 str(target)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[-1] == str(target)
    assert "broken.yaml" in out.err
    batch = bpv.appraise_many(folder, n_draws=1000, rng=3, progress=False)
    sheets = pd.read_excel(target, sheet_name=None)
    assert list(sheets["Summary"].columns) == list(SUMMARY_COLUMNS)
    assert sheets["Summary"]["bid"].tolist() == list(batch.bids)
    assert list(sheets["Problems"].columns) == list(PROBLEM_COLUMNS)
    assert sheets["Problems"]["message"].tolist() == [p.message for p in batch.problems]
    assert set(sheets["Hypotheses register"]["bid"]) == set(batch.bids)
    assert main(["batch", str(folder), "--draws", DRAWS, "--seed", SEED, "--quiet",
                 "--format", "parquet", "-o", str(tmp_path / "long.parquet")]) == 0
    assert _values(pd.read_parquet(tmp_path / "long.parquet")) == _values(batch.to_frame())


def test_track_status_writes_its_snapshots(tmp_path, capsys):
    db = str(tmp_path / "register.db")
    assert main(["track", "init", "--db", db]) == 0
    assert main(["track", "add", str(DIABETES), "--approved-by", "ICS", "--approved-at",
                 "2025-04-01", "--draws", "2000", "--seed", "2025", "--quiet", "--db", db]) == 0
    assert main(["track", "actuals", str(ROOT / "examples" / "tracking" /
                                         "diabetes_prevention_actuals.csv"),
                 "--as-at", "2026-12-07", "--db", db]) == 0
    capsys.readouterr()
    assert main(["track", "status", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    (payload,) = data["bids"]
    assert main(["track", "status", "--db", db, "-o", str(tmp_path / "status.xlsx")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'status.xlsx'}\n"
    assert main(["track", "status", "--db", db, "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    got = _values(frame)
    bid = payload["bid"]
    for colour in ("green", "amber", "red"):
        assert got[(bid, "system", "rag", colour)] == payload["counts"][colour]
    for series, stats in payload["summary"].items():
        assert got[(bid, "system", series, "cum actual")] == stats["cum actual"]
    npv = payload["reforecast"]["metrics"]["npv"]
    assert got[(bid, "system", "npv", "posterior_mean")] == npv["posterior"]
    summary = pd.read_excel(tmp_path / "status.xlsx", sheet_name="Summary")
    assert summary["bid"].tolist() == [bid]
    assert summary["green"].tolist() == [payload["counts"]["green"]]


@pytest.mark.parametrize(("flags", "message"), [
    (["--format", "xlsx"], "give -o FILE.xlsx"),
    (["--format", "parquet"], "give -o FILE.parquet"),
    (["--json", "--format", "csv"], "disagree"),
    (["--format", "csv", "-o", "out.xlsx"], "matching file name"),
    (["-o", "out.md"], "cannot tell the format"),
])
def test_misuse_is_refused_before_any_work(flags, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in (["appraise", str(FRAILTY)], ["batch", str(FRAILTY)],
                    ["portfolio", str(FRAILTY)], ["track", "status"]):
        assert main([*command, *flags]) == 2, command
        assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_output_over_an_input_or_a_folder_is_refused(tmp_path, capsys):
    assert main(["appraise", str(FRAILTY), "-o", str(tmp_path)]) == 1
    assert "folder" in capsys.readouterr().err
    copy = tmp_path / "bid.yaml"
    copy.write_text(FRAILTY.read_text())
    assert main(["scenarios", str(copy), "--format", "csv", "-o", str(copy)]) == 1
    assert "one of the input files" in capsys.readouterr().err


@pytest.mark.parametrize(("module", "suffix"), [("pyarrow", "parquet"), ("openpyxl", "xlsx")])
def test_a_missing_extra_is_one_line_and_exit_1(module, suffix, tmp_path):
    code = (f"import sys; sys.modules[{module!r}] = None; "
            f"sys.modules[{module + '.parquet'!r}] = None; "
            "from bpv.cli import main; "
            f"sys.exit(main(['appraise', {str(FRAILTY)!r}, '--draws', '200', '-o', "
            f"{str(tmp_path / ('x.' + suffix))!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr == (f"bpv: tables need {module}, which is not installed: "
                             "pip install 'bpv[tables]'\n")
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
