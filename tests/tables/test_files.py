"""Files written by bpv.tables read back, with pandas, as the results' own plain data."""

from __future__ import annotations

import math
import sys

import openpyxl
import pandas as pd
import pytest

import bpv
from bpv.batch.result import PROBLEM_COLUMNS, SUMMARY_COLUMNS
from bpv.engine.long_form import FRAME_COLUMNS
from bpv.errors import SpecError
from bpv.tables import write_table
from bpv.tables.sheets import MONEY, PERCENT, VALUE_COLUMNS
from bpv.tables.writing import PARQUET_SCHEMA, csv_text

#: openpyxl writes numbers with 16 significant digits ("%.16g"): a workbook's numbers are
#: the results' to within this relative error; CSV and Parquet hold them exactly.
EXCEL = 1e-15


def near(read, value) -> bool:
    """A workbook's number against the plain data's (a missing cell for a non-finite one)."""
    if value is None or not math.isfinite(value):
        return pd.isna(read)
    return read == pytest.approx(value, rel=EXCEL, abs=0)


def _same_table(read: pd.DataFrame, result, *, rel: float = 0.0,
                columns: tuple[str, ...] = FRAME_COLUMNS) -> None:
    """The file read back holds to_frame()'s rows: same order, text and numbers."""
    expected = result.long_rows()
    assert list(read.columns) == list(columns)
    assert len(read) == len(expected)
    texts = ("bid", "scope", "metric", "unit", "statistic", "method", "bid_hash", "seed")
    for column in (column for column in texts if column in columns):
        got = [None if pd.isna(v) else str(v) for v in read[column]]
        assert got == [None if row[column] is None else str(row[column])
                       for row in expected], column
    values = [None if pd.isna(v) else float(v) for v in read["value"]]
    assert values == [row["value"] if row["value"] is None or not rel
                      else pytest.approx(row["value"], rel=rel, abs=0) for row in expected]
    if "draws" in columns:
        assert [int(v) for v in read["draws"]] == [row["draws"] for row in expected]


@pytest.mark.parametrize("name", ["frailty", "comparison", "sensitivity", "scenario_table",
                                  "chosen", "tracking", "reforecast"])
def test_csv_and_parquet_read_back_as_the_long_table(name, request, tmp_path):
    result = request.getfixturevalue(name)
    result = result[1] if isinstance(result, tuple) else result
    csv_path = write_table(result, tmp_path / "out.csv")
    _same_table(pd.read_csv(csv_path, dtype={"seed": str, "bid_hash": str}), result)
    parquet_path = write_table(result, tmp_path / "out.parquet")
    read = pd.read_parquet(parquet_path)
    _same_table(read, result)
    import pyarrow.parquet as pq

    schema = pq.read_schema(parquet_path)
    assert [(field.name, str(field.type)) for field in schema] == [
        (name, kind.replace("float64", "double")) for name, kind in PARQUET_SCHEMA]
    assert schema.metadata[b"bpv.version"].decode() == bpv.__version__


def test_the_appraisal_workbook_holds_its_plain_data(frailty, tmp_path):
    bid, result = frailty
    data = result.to_dict()
    path = write_table(result, tmp_path / "frailty.xlsx", bid=bid)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["Summary", "Organisations", "Metric nodes by year",
                            "Hypotheses register", "Settings", "Values"]
    summary = sheets["Summary"].set_index("metric")
    for metric, stats in data["metrics"].items():
        for statistic, value in stats.items():
            assert near(summary.loc[metric, statistic], value), (metric, statistic)
    assert near(summary.loc["P(npv > 0)", "mean"], data["probabilities"]["npv > 0"])
    organisations = sheets["Organisations"].set_index(["organisation", "metric"])
    for organisation, metrics in data["organisations"].items():
        assert near(organisations.loc[(organisation, "npv"), "mean"], metrics["npv"]["mean"])
    nodes = sheets["Metric nodes by year"].set_index(["node", "statistic"])
    for node, entry in data["metric_nodes"].items():
        for year, value in zip(entry["periods"], entry["by_period"]["mean"], strict=True):
            assert near(nodes.loc[(node, "mean"), year], value)
        assert near(nodes.loc[(node, "mean"), "total"], entry["total"]["mean"])
    register = sheets["Hypotheses register"]
    assert sorted(register["parameter"]) == sorted(bid.parameters)
    assert register["hypothesis"].tolist() == sorted(register["hypothesis"], reverse=True)
    settings = dict(zip(sheets["Settings"]["setting"], sheets["Settings"]["value"],
                        strict=True))
    assert settings["provenance.bid_hash"] == result.bid_hash
    assert int(settings["provenance.n_draws"]) == result.n_draws
    _same_table(sheets["Values"], result, rel=EXCEL, columns=VALUE_COLUMNS)


def test_the_workbook_reads_as_a_programme_office_expects(frailty, tmp_path):
    bid, result = frailty
    book = openpyxl.load_workbook(write_table(result, tmp_path / "f.xlsx", bid=bid))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in sheet[1])
        assert all(8 <= sheet.column_dimensions[cell.column_letter].width <= 60
                   for cell in sheet[1])
    summary = book["Summary"]
    header = [cell.value for cell in summary[1]]
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2)}
    mean = header.index("mean")
    assert rows["npv"][mean].number_format == MONEY
    assert rows["P(npv > 0)"][mean].number_format == PERCENT
    assert rows["npv"][header.index("n_finite")].number_format == "#,##0"


def test_the_batch_workbook_has_a_row_a_bid_and_the_problems(batch, tmp_path):
    bids = {bid_id: bpv.load(source) for bid_id, source in batch.sources.items()}
    path = write_table(batch, tmp_path / "results.xlsx", bids=bids)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets)[:2] == ["Summary", "Problems"]
    summary = sheets["Summary"]
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    expected = batch.summary().rows
    assert summary["bid"].tolist() == [row["bid"] for row in expected]
    for read, row in zip(summary.to_dict("records"), expected, strict=True):
        for column in ("mean_npv", "mcse_npv", "p_npv_positive", "mean_qalys", "draws"):
            assert near(read[column], row[column]), column
    problems = sheets["Problems"]
    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    assert problems["message"].tolist() == [p.message for p in batch.problems]
    assert len(problems) >= 1
    assert problems["source"].str.endswith("broken.yaml").all()
    assert set(sheets["Hypotheses register"]["bid"]) == set(batch.bids)
    book = openpyxl.load_workbook(path)
    money = [cell.number_format for cell in book["Summary"]["C"][1:]]
    assert money
    assert set(money) == {MONEY}


def test_a_batch_csv_is_a_row_a_bid_unless_long(batch, tmp_path):
    short = pd.read_csv(write_table(batch, tmp_path / "b.csv"), dtype={"seed": str})
    assert list(short.columns) == list(SUMMARY_COLUMNS)
    assert short["mean_npv"].tolist() == [row["mean_npv"] for row in batch.summary().rows]
    long = pd.read_csv(write_table(batch, tmp_path / "l.csv", long=True),
                       dtype={"seed": str, "bid_hash": str})
    _same_table(long, batch)


@pytest.mark.parametrize("name", ["comparison", "sensitivity", "scenario_table", "chosen",
                                  "tracking", "reforecast"])
def test_every_result_has_a_workbook_with_its_summary_settings_and_values(name, request,
                                                                          tmp_path):
    result = request.getfixturevalue(name)
    sheets = pd.read_excel(write_table(result, tmp_path / "r.xlsx"), sheet_name=None)
    assert next(iter(sheets)) == "Summary"
    assert list(sheets)[-2:] == ["Settings", "Values"]
    _same_table(sheets["Values"], result, rel=EXCEL, columns=VALUE_COLUMNS)


def test_json_is_the_results_own(comparison, tmp_path):
    path = write_table(comparison, tmp_path / "c.json")
    assert path.read_text() == comparison.to_json() + "\n"


def test_nothing_is_left_half_written(frailty, tmp_path, monkeypatch):
    bid, result = frailty
    target = tmp_path / "frailty.xlsx"
    target.write_bytes(b"the old workbook")

    def broken(path, sheets):
        path.write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr("bpv.tables.writing.write_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        write_table(result, target, bid=bid)
    assert target.read_bytes() == b"the old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["frailty.xlsx"]


def test_a_folder_or_an_unknown_suffix_is_refused(frailty, tmp_path):
    with pytest.raises(SpecError, match="folder"):
        write_table(frailty[1], tmp_path, format="csv")
    with pytest.raises(ValueError, match="format"):
        write_table(frailty[1], tmp_path / "x.md")


def test_a_missing_writer_says_what_to_install(frailty, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ModuleNotFoundError, match=r"pyarrow.*pip install 'bpv\[tables\]'"):
        write_table(frailty[1], tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []
    assert csv_text(frailty[1]).startswith(",".join(FRAME_COLUMNS))  # CSV needs neither
