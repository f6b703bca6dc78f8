"""The benefits register on SQLite and PostgreSQL: round trips, history kept, the past read back."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

import bpv
from bpv._utils.formatting import json_safe
from bpv.engine.identity import bid_hash
from bpv.errors import RegisterError, SpecError, UnknownNameError
from bpv.register import Register

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"
BID_ID = "frailty-virtual-ward"


def _text() -> str:
    with open(FRAILTY, encoding="utf-8") as file:
        return file.read()


def _changed(title: str) -> tuple[bpv.Bid, str]:
    data = bpv.load(FRAILTY).to_dict()
    data["title"] = title
    text = json.dumps(data)
    return bpv.loads(text, format="json"), text


def _rows(n: int, *, node: str = "admissions_avoided", start: float = 0.0) -> list[dict]:
    return [{"bid": BID_ID, "node": node, "period": f"{2026 + i}/{(27 + i) % 100:02d}",
             "value": start + i, "organisation": None, "source": "SUS", "recorded_by": "ana",
             "recorded_at": "2027-04-30", "note": f"row {i}"} for i in range(n)]


def _tick() -> datetime:
    """A moment strictly between what was stored before and what is stored after."""
    time.sleep(0.002)
    now = datetime.now(UTC)
    time.sleep(0.002)
    return now


@pytest.fixture
def register(register_url):
    register = Register(register_url)
    register.init()
    register.add_bid(bpv.load(FRAILTY), text=_text(), approved_by="ICB board",
                     approved_at="2026-04-01", n_draws=500, seed=7)
    yield register
    register.close()


def _raw(register: Register) -> sa.Engine:
    return sa.create_engine(register.url if "://" in register.name
                            else f"sqlite:///{register.name}")


def test_a_bid_round_trips_with_its_text_hash_and_appraisal(register):
    stored = register.bid(BID_ID)
    bid = bpv.load(FRAILTY)
    assert (stored.version, stored.bid_hash, stored.text) == (1, bid_hash(bid), _text())
    assert stored.approved_by == "ICB board"
    assert stored.approved_at == datetime(2026, 4, 1, tzinfo=UTC)
    assert stored.appraisal.entropy == 7
    assert (stored.appraisal.n_draws, stored.appraisal.method, stored.appraisal.kernel) == (
        500, "mc", "numpy")
    expected = json.loads(json.dumps(json_safe(bpv.appraise(bid, n_draws=500, rng=7).to_dict())))
    assert stored.appraisal.summary == expected


def test_the_stored_appraisal_is_regenerated_bit_for_bit(register):
    again = register.appraisal(BID_ID)
    stored = register.bid(BID_ID).appraisal.summary
    assert json.loads(json.dumps(json_safe(again.to_dict()))) == stored
    assert again.flows is not None
    assert again.inputs is not None
    direct = bpv.appraise(bpv.load(FRAILTY), n_draws=500, rng=7)
    assert (again["npv"] == direct["npv"]).all()


def test_the_same_bid_is_the_same_version_and_a_changed_one_a_new_version(register):
    same = register.add_bid(bpv.load(FRAILTY), text=_text(), approved_by="someone else",
                            n_draws=500, seed=7)
    assert (same.version, same.approved_by) == (1, "ICB board")
    changed, text = _changed("Frailty virtual ward, revised")
    second = register.add_bid(changed, text=text, approved_by="ICB board", n_draws=500, seed=8)
    assert (second.version, second.title, second.format) == (
        2, "Frailty virtual ward, revised", "json")
    assert second.bid_hash == bid_hash(changed) != register.bid(BID_ID, version=1).bid_hash
    assert [b.version for b in register.bids()] == [2]
    with register._transaction() as connection:  # one appraisal each, the re-add added none
        counts = connection.execute(sa.text(
            "SELECT version, count(*) FROM appraisals GROUP BY version ORDER BY version")).all()
    assert [tuple(row) for row in counts] == [(1, 1), (2, 1)]


def test_a_new_seed_for_the_same_version_is_a_new_appraisal_of_it(register):
    again = register.add_bid(bpv.load(FRAILTY), text=_text(), approved_by="ICB board",
                             n_draws=500, seed=99)
    assert (again.version, again.appraisal.entropy) == (1, 99)


def test_text_that_is_not_the_bid_is_refused(register):
    changed, _ = _changed("Another title")
    with pytest.raises(RegisterError, match="does not read back as the bid"):
        register.add_bid(changed, text=_text(), approved_by="x", n_draws=100, seed=1)


def test_a_summary_of_another_run_is_refused(register):
    bid = bpv.load(FRAILTY)
    other = bpv.appraise(bid, n_draws=200, rng=3)
    with pytest.raises(RegisterError, match=r"another appraisal: n_draws 200 .*entropy 3"):
        register.add_bid(bid, text=_text(), approved_by="x", n_draws=500, seed=4, summary=other)


def test_actuals_round_trip_with_every_field(register):
    rows = _rows(3)
    import_id = register.record_actuals(BID_ID, rows, recorded_by="PMO", file_name="q1.csv")
    stored = register.actuals(BID_ID)
    assert [row.to_dict() for row in stored] == rows
    assert {(row.import_id, row.stored_by, row.supersedes) for row in stored} == {
        (import_id, "PMO", None)}
    history = register.history(BID_ID)
    assert [event.kind for event in history] == ["bid", "appraisal", "import"]
    assert history[-1].details["file_name"] == "q1.csv"
    assert history[-1].details["n_rows"] == 3


def test_rows_as_objects_and_bid_fields_that_disagree(register):
    class Row:
        bid, node, period, value = BID_ID, "admissions_avoided", "2026/27 Q1", 4
    register.record_actuals(BID_ID, [Row()], recorded_by="PMO")
    assert [(r.period, r.value) for r in register.actuals(BID_ID)] == [("2026/27 Q1", 4.0)]
    with pytest.raises(RegisterError, match=r"(?s)2 problems.*row 1: bid: the row is for 'x'"
                                             r".*row 2: value: expected a finite number"):
        register.record_actuals(BID_ID, [{**_rows(1)[0], "bid": "x"},
                                         {**_rows(1)[0], "value": float("nan")}],
                                recorded_by="PMO")
    assert len(register.actuals(BID_ID)) == 1  # nothing of the bad import


def test_actuals_for_an_unknown_bid_name_the_closest(register):
    with pytest.raises(UnknownNameError, match="did you mean 'frailty-virtual-ward'"):
        register.record_actuals("frailty-virtual-wrd", [{"node": "n", "period": "2026/27",
                                                         "value": 1}], recorded_by="PMO")


@pytest.mark.parametrize("statement", [
    "UPDATE actuals SET value = 0", "DELETE FROM actuals", "UPDATE bids SET approved_by = 'x'",
    "DELETE FROM appraisals", "UPDATE snapshots SET payload = '{}'", "DELETE FROM imports"])
def test_the_database_refuses_to_change_history(register, statement):
    register.record_actuals(BID_ID, _rows(2), recorded_by="PMO")
    register.save_snapshot(BID_ID, "status", {"rag": "green"}, reporting_date="2026-09-30")
    engine = _raw(register)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql(statement)
    engine.dispose()
    assert len(register.actuals(BID_ID)) == 2
    assert register.bid(BID_ID).approved_by == "ICB board"


def test_a_correction_supersedes_the_old_row_and_says_who_and_why(register):
    register.record_actuals(BID_ID, _rows(2), recorded_by="PMO")
    old = register.actuals(BID_ID)[0]
    new_id = register.correct_actual(old.id, value=12.5, recorded_by="bea",
                                     reason="SUS resubmission")
    current = {row.period: row for row in register.actuals(BID_ID)}
    corrected = current[old.period]
    assert (corrected.id, corrected.value, corrected.supersedes) == (new_id, 12.5, old.id)
    assert (corrected.stored_by, corrected.reason, corrected.note) == (
        "bea", "SUS resubmission", old.note)
    assert register.actual(old.id).value == old.value  # the old row is still there
    with pytest.raises(RegisterError, match=f"corrected already, by actual {new_id}"):
        register.correct_actual(old.id, value=1.0, recorded_by="bea", reason="again")
    event = register.history(BID_ID)[-1]
    assert event.kind == "correction"
    assert event.summary == (f"actual {old.id} (admissions_avoided {old.period}) corrected "
                             "from 0 to 12.5 by bea: SUS resubmission")


def test_a_correction_needs_a_reason_and_a_number(register):
    register.record_actuals(BID_ID, _rows(1), recorded_by="PMO")
    actual_id = register.actuals(BID_ID)[0].id
    with pytest.raises(RegisterError, match="'reason' parameter"):
        register.correct_actual(actual_id, value=1.0, recorded_by="bea", reason=" ")
    with pytest.raises(RegisterError, match="finite number"):
        register.correct_actual(actual_id, value=float("inf"), recorded_by="bea", reason="x")
    with pytest.raises(UnknownNameError, match="no actual with id 999"):
        register.correct_actual(999, value=1.0, recorded_by="bea", reason="x")


def test_as_at_reads_the_past_exactly(register):
    register.record_actuals(BID_ID, _rows(2), recorded_by="PMO")
    first = register.actuals(BID_ID)
    after_import = _tick()
    register.correct_actual(first[0].id, value=99.0, recorded_by="bea", reason="typo")
    register.record_actuals(BID_ID, _rows(1, node="bed_days", start=5), recorded_by="PMO")
    register.save_snapshot(BID_ID, "status", {"rag": "amber"}, reporting_date="2026-09-30")
    after_all = _tick()
    changed, text = _changed("Revised")
    register.add_bid(changed, text=text, approved_by="board", n_draws=200, seed=1)

    assert register.actuals(BID_ID, as_at=after_import) == first
    view = register.as_at(after_import)
    assert view.actuals(BID_ID) == first
    assert list(view.snapshots()) == []
    assert [e.kind for e in view.history(BID_ID)] == ["bid", "appraisal", "import"]
    now = register.actuals(BID_ID)
    assert register.actuals(BID_ID, as_at=after_all) == now
    assert sorted(row.value for row in now) == [1.0, 5.0, 99.0]
    assert register.as_at(after_all).bid(BID_ID).version == 1
    assert register.bid(BID_ID).version == 2
    before = register.as_at(datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(UnknownNameError, match="no bid 'frailty-virtual-ward'"):
        before.bid(BID_ID)
    assert before.bids() == []


def test_a_view_of_the_past_is_read_only(register):
    view = register.as_at(date.today())
    with pytest.raises(RegisterError, match="view of the past: it is read-only"):
        view.record_actuals(BID_ID, _rows(1), recorded_by="PMO")
    with pytest.raises(SpecError, match="must be a date or time"):
        register.as_at("last tuesday")


def test_snapshots_latest_of_each_bid_and_kind_and_every_one(register):
    _, text = _changed("Second scheme")
    data = json.loads(text)
    data["id"] = "second"
    second = bpv.loads(json.dumps(data), format="json")
    register.add_bid(second, text=json.dumps(data), approved_by="board", n_draws=200, seed=2)
    for bid_id, day, rag in [(BID_ID, "2026-06-30", "green"), (BID_ID, "2026-09-30", "amber"),
                             ("second", "2026-09-30", "red"), (BID_ID, "2026-06-30", "late")]:
        register.save_snapshot(bid_id, "status", {"rag": rag}, reporting_date=day)
    register.save_snapshot(BID_ID, "reforecast", '{"npv": 1.5}', reporting_date="2026-09-30")
    latest = [(s.bid_id, s.kind, s.reporting_date, s.payload) for s in register.snapshots()]
    assert latest == [(BID_ID, "reforecast", date(2026, 9, 30), {"npv": 1.5}),
                      (BID_ID, "status", date(2026, 9, 30), {"rag": "amber"}),
                      ("second", "status", date(2026, 9, 30), {"rag": "red"})]
    every = [s.payload["rag"] for s in register.snapshots(BID_ID, "status", latest=False)]
    assert every == ["green", "late", "amber"]
    assert [s.bid_version for s in register.snapshots("second")] == [1]
    with pytest.raises(SpecError, match="'kind' parameter"):
        register.save_snapshot(BID_ID, "rag", {}, reporting_date="2026-09-30")
    with pytest.raises(RegisterError, match="must be JSON"):
        register.save_snapshot(BID_ID, "status", "{not json", reporting_date="2026-09-30")


def test_history_lists_every_event_in_time_order(register):
    register.record_actuals(BID_ID, _rows(1), recorded_by="PMO", file_name="q1.csv")
    register.correct_actual(register.actuals(BID_ID)[0].id, value=3, recorded_by="bea",
                            reason="typo")
    register.save_snapshot(BID_ID, "status", {"rag": "green"}, reporting_date="2026-06-30")
    changed, text = _changed("Revised")
    register.add_bid(changed, text=text, approved_by="board", n_draws=200, seed=1)
    events = register.history(BID_ID)
    assert [e.kind for e in events] == ["bid", "appraisal", "import", "correction", "snapshot",
                                        "bid", "appraisal"]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[0].summary.startswith("version 1 recorded (hash ")
    assert events[2].summary == "import 1: 1 actuals from q1.csv, by PMO"
    assert all(json.dumps(e.to_dict()) for e in events)


def test_times_are_utc_and_close_to_now(register):
    stored = register.bid(BID_ID)
    assert stored.recorded_at.tzinfo == UTC
    assert abs(datetime.now(UTC) - stored.recorded_at) < timedelta(minutes=5)


def test_all_actuals_are_each_bids_current_actuals_in_one_stream(register):
    data = json.loads(_changed("Second")[1])
    data["id"] = "second"
    register.add_bid(bpv.loads(json.dumps(data), format="json"), text=json.dumps(data),
                     approved_by="board", n_draws=200, seed=2)
    register.record_actuals(BID_ID, _rows(3), recorded_by="PMO")
    register.record_actuals("second", [{"node": "x", "period": "2026/27", "value": 1}],
                            recorded_by="PMO")
    first = register.actuals(BID_ID)[1]
    moment = _tick()
    register.correct_actual(first.id, value=50, recorded_by="bea", reason="typo")
    # the same node and period imported again: the later row is the current one
    register.record_actuals("second", [{"node": "x", "period": "2026/27", "value": 2}],
                            recorded_by="PMO")
    for as_at in (None, moment):
        expected = [*register.actuals("second", as_at), *register.actuals(BID_ID, as_at)]
        streamed = sorted(register.all_actuals(as_at), key=lambda row: row.bid_id,
                          reverse=True)
        assert streamed == expected
    assert [row.value for row in register.actuals("second")] == [2.0]
    assert [row.value for row in register.actuals(BID_ID)] == [0.0, 2.0, 50.0]
