"""Reading actuals: what is accepted, every problem at once with its line, hostile files."""

from __future__ import annotations

import codecs
import json
from datetime import date
from pathlib import Path

import pytest

import bpv
from bpv.errors import ActualsError, BidValidationError, SpecError
from bpv.tracking.actuals import (
    MAX_ACTUALS_BYTES,
    MAX_PROBLEMS_LISTED,
    ActualRecord,
    read_actuals,
)
from bpv.tracking.series import SeriesKey
from bpv.tracking.settings import DEFAULT_MONEY_CV

BIDS = Path(__file__).resolve().parents[2] / "examples" / "bids"
AS_AT = date(2026, 12, 7)

GOOD = """\
bid,node,period,value,organisation,unit,source,recorded_by,recorded_at,note
frailty-virtual-ward,admissions_avoided,2025/26 Q1,6,,admissions,SUS,A. Clerk,2025-07-15,\
"=cmd|' /C calc'!A0"
frailty-virtual-ward,admissions_avoided,2025/26 Q2,9,,,SUS,A. Clerk,2025-10-15T09:30,
frailty-virtual-ward,costs,2025/26,"412,500",community,GBP,ledger,,,"spend to 31 March,
including agency staff"
,savings,2026-04-01 to 2026-06-30,11000.5,acute,£,,,,
"""


@pytest.fixture(scope="module")
def bid():
    return bpv.load(BIDS / "frailty_virtual_ward.yaml")


def write(tmp_path, text, name="actuals.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_a_good_file_is_read_with_every_record_resolved(tmp_path, bid):
    actuals = read_actuals(write(tmp_path, GOOD), bid, as_at=AS_AT)
    assert len(actuals) == 4
    first = actuals.records[0]
    assert first == ActualRecord(
        bid="frailty-virtual-ward", node="admissions_avoided", period="2025/26 Q1", value=6.0,
        organisation=None, source="SUS", recorded_by="A. Clerk", recorded_at="2025-07-15",
        note="=cmd|' /C calc'!A0", line=2)  # a formula in a note is only text
    assert [record.line for record in actuals.records] == [2, 3, 4, 6]  # a note spans 2 lines
    assert actuals.records[2].value == 412_500.0
    seen = actuals.observations
    assert [o.series for o in seen] == [SeriesKey("admissions_avoided"),
                                        SeriesKey("admissions_avoided"),
                                        SeriesKey("costs", "community"),
                                        SeriesKey("savings", "acute")]
    assert [o.year for o in seen] == [0, 0, 0, 1]
    assert seen[0].share == 91 / 365  # April to June of a year of 365 days
    assert [o.likelihood for o in seen] == ["poisson", "poisson", "normal", "normal"]
    assert (seen[2].sd, seen[2].cv) == (None, DEFAULT_MONEY_CV)
    assert seen[3].location == "actuals.csv, line 6"
    assert actuals.to_dict()["actuals"][0]["note"] == "=cmd|' /C calc'!A0"
    assert json.loads(actuals.to_json())["as_at"] == "2026-12-07"


def test_records_and_a_dataframe_read_as_the_file_does(tmp_path, bid):
    pd = pytest.importorskip("pandas")
    from_file = read_actuals(write(tmp_path, GOOD), bid, as_at=AS_AT)
    records = [{"node": "admissions_avoided", "period": "2025/26 Q1", "value": 6},
               {"node": "admissions_avoided", "period": "2025/26 Q2", "value": 9.0},
               {"node": "costs", "organisation": "community", "period": "2025/26",
                "value": "412,500"},
               {"node": "savings", "organisation": "acute", "period": "2026/27 Q1",
                "value": 11000.5}]
    for source in (records, pd.DataFrame(records)):
        actuals = read_actuals(source, bid, as_at=AS_AT)
        assert [(o.series, o.year, o.share, o.value, o.likelihood)
                for o in actuals.observations] == [
            (o.series, o.year, o.share, o.value, o.likelihood)
            for o in from_file.observations]
        assert [record.line for record in actuals.records] == [1, 2, 3, 4]


BAD = """\
bid,node,period,value,organisation,unit,note
frailty-virtual-ward,admissions_avoid,2025/26,3,,,
frailty-virtual-ward,costs,2025/26,1000,communty,,
frailty-virtual-ward,admissions_avoided,2026/27 Q5,3,,,
frailty-virtual-ward,admissions_avoided,2031/32,3,,,
frailty-virtual-ward,admissions_avoided,2026/27 Q4,3,,,
frailty-virtual-ward,patients,2025/26,n/a,,,
frailty-virtual-ward,patients,2026/27 Q1,inf,,,
frailty-virtual-ward,admissions_avoided,2025/26 Q1,-2,,,
frailty-virtual-ward,admissions_avoided,2025/26 Q2,4,,,
frailty-virtual-ward,admissions_avoided,2025/26 Q2,5,,,
frailty-virtual-ward,admissions_avoided,2025-08,5,,,
frailty-virtual-ward,patients,2025/26 Q3,400,,beds,
other-bid,savings,2025/26,10,acute,,
frailty-virtual-ward,acute_cost_saved,2025/26,10,icb,,
frailty-virtual-ward,costs,2025/26,10,acute,USD,
frailty-virtual-ward,self_management,2025/26,10,,,
frailty-virtual-ward,,,,,,
"""


def test_every_problem_is_reported_at_once_with_its_line(tmp_path, bid):
    with pytest.raises(ActualsError) as caught:
        read_actuals(write(tmp_path, BAD), bid, as_at=AS_AT)
    error = caught.value
    assert isinstance(error, BidValidationError)  # a problem-reporting error, a ValueError
    found = {(problem.line, problem.location): problem.message for problem in error.problems}
    expected = {
        (2, "node"): "unknown node 'admissions_avoid' (did you mean 'admissions_avoided'?)",
        (3, "organisation"): "unknown organisation 'communty' (did you mean 'community'?)",
        (4, "period"): "'2026/27 Q5' is not a period",
        (5, "period"): "outside the bid's horizon, 2025/26 to 2029/30",
        (6, "period"): "ends on 2027-03-31, after the as-at date 2026-12-07",
        (7, "value"): "expected a number, got 'n/a'",
        (8, "value"): "expected a finite number",
        (9, "value"): "is a count (its actuals are whole numbers) and cannot be negative",
        (11, "period"): "given twice for the same period (line 10 and this line)",
        (12, "period"): "given twice for a period overlapping 2025/26 Q2 (line 10 and this line)",
        (13, "unit"): "the unit 'beds' contradicts patients's unit 'patients'",
        (14, "bid"): "a row for bid 'other-bid', but these actuals are read for bid "
                     "'frailty-virtual-ward'",
        (15, "organisation"): "node 'acute_cost_saved' falls on 'acute', not 'icb'",
        (16, "unit"): "the unit 'USD' contradicts costs (acute)'s unit 'GBP'",
        (17, "node"): "unknown node 'self_management'",  # not a node of this bid
        (18, "node"): "missing: give a node id",
    }
    for place, message in expected.items():
        assert place in found, place
        assert message in found[place], (place, found[place])
    assert str(error).startswith(f"{len(error.problems)} problems found in ")
    assert str(error).split("\n")[1].startswith("  line 2: node: unknown node")


def test_a_declared_likelihood_decides_what_a_value_may_be(tmp_path, bid):
    data = bid.to_dict()
    data["tracking"] = {"patients": {"likelihood": "poisson"},
                        "admissions_avoided": {"likelihood": "lognormal", "sd": 0.2},
                        "health_gain": {"likelihood": "normal"}}
    tracked = bpv.loads(json.dumps(data), format="json")
    rows = [{"node": "patients", "period": "2025/26 Q1", "value": 10.5},
            {"node": "admissions_avoided", "period": "2025/26 Q1", "value": 0},
            {"node": "health_gain", "period": "2025/26 Q1", "value": -1.5}]
    with pytest.raises(ActualsError) as caught:
        read_actuals(rows, tracked, as_at=AS_AT)
    messages = [str(problem) for problem in caught.value.problems]
    assert messages == [
        "line 1: value: patients is measured as a count (poisson) and needs a whole number, "
        "at least 0; got 10.5",
        "line 2: value: admissions_avoided is measured as lognormal and needs a value above 0; "
        "got 0"]
    rows[0]["value"], rows[1]["value"] = 10, 4
    seen = read_actuals(rows, tracked, as_at=AS_AT).observations
    assert [(o.likelihood, o.sd, o.cv) for o in seen] == [
        ("poisson", None, None), ("lognormal", 0.2, None), ("normal", None, 0.10)]


def test_columns_are_checked_before_rows(tmp_path, bid):
    text = "node,perod,value,comment\nadmissions_avoided,2025/26,3,x\n"
    with pytest.raises(ActualsError) as caught:
        read_actuals(write(tmp_path, text), bid, as_at=AS_AT)
    assert [str(p) for p in caught.value.problems] == [
        "line 1: unknown column 'perod' (did you mean 'period'?)",
        "line 1: unknown column 'comment'; the columns are: bid, node, period, value, "
        "organisation, unit, source, recorded_by, recorded_at, note",
        "line 1: missing column 'period' (the columns required are node, period, value)"]


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path, bid):
    text = "node,period,value\nadmissions_avoided,2025/26,1,234\n"
    with pytest.raises(ActualsError, match="line 2: the row has 4 cells but the header names 3"):
        read_actuals(write(tmp_path, text), bid, as_at=AS_AT)


# -- hostile input ------------------------------------------------------------------------


def test_a_file_past_the_size_limit_is_refused_before_it_is_parsed(tmp_path, bid):
    row = "admissions_avoided,2025/26 Q1,1\n"
    path = write(tmp_path, "node,period,value\n" + row * (MAX_ACTUALS_BYTES // len(row) + 1))
    with pytest.raises(ActualsError, match=f"larger than {MAX_ACTUALS_BYTES:,} bytes"):
        read_actuals(path, bid, as_at=AS_AT)


def test_a_device_or_folder_is_never_read(tmp_path, bid):
    for path in ("/dev/zero", tmp_path):
        if not Path(path).exists():
            continue
        with pytest.raises(ActualsError, match="not a regular file"):
            read_actuals(path, bid, as_at=AS_AT)


@pytest.mark.parametrize(("data", "message"), [
    (codecs.BOM_UTF16_LE + "node,period,value\n".encode("utf-16-le"), "is UTF-16 text"),
    ("node,period,value,note\nadmissions_avoided,2025/26,1,caf\xe9\n".encode("latin-1"),
     r"line 2: not UTF-8 text: byte 0xe9"),
    # a NUL byte is only a character: the value is not a number
    (b"node,period,value\nadmissions_avoided,2025/26,1\x00\n", "expected a number, got '1"),
    (b"", "the file is empty"),
    (b'node,period,value\n"admissions_avoided,2025/26,1\n', "cannot be read as CSV: "
     "unexpected end of data"),
])
def test_weird_encodings_and_broken_csv_are_problems_not_crashes(tmp_path, bid, data, message):
    with pytest.raises(ActualsError, match=message):
        read_actuals(write(tmp_path, data), bid, as_at=AS_AT)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path, bid):
    data = codecs.BOM_UTF8 + b"node,period,value\nadmissions_avoided,2025/26 Q1,4\n"
    assert read_actuals(write(tmp_path, data), bid, as_at=AS_AT).records[0].value == 4


def test_huge_cells_are_refused_with_their_limit(tmp_path, bid):
    note = "x" * 10_001
    text = f"node,period,value,note\nadmissions_avoided,2025/26 Q1,4,{note}\n"
    with pytest.raises(ActualsError, match="line 2: note: text of 10,001 characters is longer "
                       "than the limit of 10,000"):
        read_actuals(write(tmp_path, text), bid, as_at=AS_AT)
    text = f"node,period,value\nadmissions_avoided,2025/26 Q1,{'9' * 200_000}\n"
    with pytest.raises(ActualsError, match="line 2: cannot be read as CSV: field larger"):
        read_actuals(write(tmp_path, text), bid, as_at=AS_AT)


def test_a_file_of_many_problems_lists_the_first_and_counts_the_rest(tmp_path, bid):
    text = "node,period,value\n" + "nothing,2025/26,1\n" * 1_000
    with pytest.raises(ActualsError) as caught:
        read_actuals(write(tmp_path, text), bid, as_at=AS_AT)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS_LISTED + 1
    assert problems[-1].message == f"... and {1_000 - MAX_PROBLEMS_LISTED:,} more problems, " \
                                   "not listed"


def test_arguments_are_checked(bid):
    with pytest.raises(SpecError, match="'source' parameter of read_actuals"):
        read_actuals(42, bid)
    with pytest.raises(SpecError, match="'bid' parameter of read_actuals"):
        read_actuals([], "frailty")
    with pytest.raises(SpecError, match="'as_at' parameter of read_actuals"):
        read_actuals([], bid, as_at="30/09/2026")
    assert read_actuals([], bid, as_at="2026-09-30").as_at == date(2026, 9, 30)
    with pytest.raises(ActualsError, match="line 1: a record must be a mapping"):
        read_actuals(["admissions_avoided,2025/26,1"], bid)
    with pytest.raises(ActualsError, match="line 2: unknown column 'vaule'"):
        read_actuals([{"node": "patients", "period": "2025/26", "value": 1},
                      {"node": "patients", "period": "2026/27", "vaule": 1}], bid)
    records = [{"Node ": "patients", "PERIOD": "2025/26", "Value": 1}]  # names as in a file
    assert read_actuals(records, bid, as_at=AS_AT).records[0].node == "patients"


def test_a_dataframe_with_missing_cells_and_numpy_numbers(bid):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"node": ["admissions_avoided", "patients", "patients"],
                          "period": ["2025/26 Q1", "2025/26 Q1", "2025/26 Q2"],
                          "value": [4, float("nan"), 300],  # float64, with one missing
                          "organisation": [None, None, None],
                          "recorded_at": pd.to_datetime(["2025-07-01", "2025-07-02",
                                                         "2025-10-02"])})
    with pytest.raises(ActualsError) as caught:
        read_actuals(frame, bid, as_at=AS_AT)
    assert [str(p) for p in caught.value.problems] == [
        "line 2: value: missing: give the actual's value"]
    actuals = read_actuals(frame.dropna(subset=["value"]), bid, as_at=AS_AT)
    assert [record.value for record in actuals.records] == [4.0, 300.0]
    assert actuals.records[0].recorded_at == "2025-07-01 00:00:00"
