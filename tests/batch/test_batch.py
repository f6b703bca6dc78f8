"""appraise_many: each bid's numbers are those of appraising it alone, whatever the batch."""

from __future__ import annotations

import csv
import io
import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpv
from bpv.batch.result import SUMMARY_COLUMNS
from bpv.engine.ledger import METRICS, ORGANISATION_METRICS
from bpv.engine.long_form import FRAME_COLUMNS, METRIC_UNITS
from tests.builders import small_bid

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bids"
BIDS = {path.stem: bpv.load(path) for path in sorted(EXAMPLES.glob("*.yaml"))}
DRAWS = 1_500


def _variant(bid: bpv.Bid, suffix: str) -> bpv.Bid:
    """The same bid under another id: the same parameter names, so the same draws of them."""
    return bpv.Bid.model_validate(bid.model_dump(mode="json", by_alias=True)
                                  | {"id": f"{bid.id}-{suffix}"})


ALONE = {bid.id: bpv.appraise(bid, n_draws=DRAWS, rng=7).to_dict() for bid in BIDS.values()}
POOL = [*BIDS.values(), *(_variant(bid, "copy") for bid in BIDS.values())]
ALONE |= {bid.id: bpv.appraise(bid, n_draws=DRAWS, rng=7).to_dict() for bid in POOL[len(BIDS):]}


@settings(max_examples=8, deadline=None)
@given(st.permutations(range(len(POOL))).flatmap(
    lambda order: st.integers(1, len(order)).map(lambda n: order[:n])),
    st.sampled_from([None, 1, 2]))
def test_each_bid_is_bit_identical_to_appraising_it_alone_whatever_else_is_in_the_batch(
        chosen, threads):
    # Any subset of bids, in any order, on the default pool or on pools of one or two
    # threads (whole bids as tasks, or bids split by blocks): every bid's results are
    # exactly those of bpv.appraise on the batch's seed.
    bids = [POOL[i] for i in chosen]
    if threads is None:
        batch = bpv.appraise_many(bids, n_draws=DRAWS, rng=7)
    else:
        with ThreadPoolExecutor(threads) as pool:
            batch = bpv.appraise_many(bids, n_draws=DRAWS, rng=7, executor=pool)
    assert batch.bids == tuple(bid.id for bid in bids)
    for bid in bids:
        assert json.dumps(batch.records[bid.id]) == json.dumps(ALONE[bid.id]), bid.id


def test_bids_sharing_parameter_names_see_the_same_draws_of_them():
    # Common random numbers between bids: a copy under another id draws exactly the same.
    frailty = BIDS["frailty_virtual_ward"]
    batch = bpv.appraise_many([frailty, _variant(frailty, "b")], n_draws=DRAWS, rng=3,
                              keep_draws=True)
    first, second = batch.appraisals.values()
    np.testing.assert_array_equal(first["npv"], second["npv"])


def test_keeping_draws_keeps_each_appraisal_as_appraise_gives_it():
    batch = bpv.appraise_many(EXAMPLES, n_draws=DRAWS, rng=5, keep_draws=True)
    assert set(batch.appraisals) == set(batch.records)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        alone = bpv.appraise(bpv.load(path), n_draws=DRAWS, rng=5)
        np.testing.assert_array_equal(batch.appraisals[alone.bid_id]["npv"], alone["npv"])


def test_without_keep_draws_no_appraisal_is_kept():
    batch = bpv.appraise_many(EXAMPLES, n_draws=DRAWS, rng=5)
    assert batch.appraisals == {}
    assert len(batch.records) == len(BIDS)


def test_an_unseeded_batch_records_the_seed_that_replays_any_bid():
    batch = bpv.appraise_many([BIDS["frailty_virtual_ward"]], n_draws=DRAWS)
    seed = np.random.SeedSequence(batch.entropy, spawn_key=batch.spawn_key)
    again = bpv.appraise(BIDS["frailty_virtual_ward"], n_draws=DRAWS, rng=seed)
    assert batch.records["frailty-virtual-ward"] == again.to_dict()


def test_invalid_bids_are_skipped_and_listed_with_their_located_problems(tmp_path):
    (tmp_path / "good.yaml").write_text((EXAMPLES / "frailty_virtual_ward.yaml").read_text())
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: 3\nhorizon: -1\n")
    (tmp_path / "notes.txt").write_text("not a bid")  # not a bid file: not read
    batch = bpv.appraise_many(tmp_path, n_draws=DRAWS, rng=1)
    assert batch.bids == ("frailty-virtual-ward",)
    broken = [p for p in batch.problems if p.source == str(tmp_path / "broken.yaml")]
    assert len(broken) == len(batch.problems) >= 2  # every problem of the file, each located
    try:
        bpv.load(tmp_path / "broken.yaml")
    except bpv.BidValidationError as exc:
        expected = [(p.line, p.location, p.message) for p in exc.problems]
    assert [(p.line, p.location, p.message) for p in broken] == expected
    assert "horizon" in str(batch)


def test_strict_raises_every_problem_before_appraising(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\n")
    (tmp_path / "b.json").write_text("{")
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.appraise_many([tmp_path, EXAMPLES], n_draws=DRAWS, rng=1, strict=True)
    text = str(caught.value)
    assert str(tmp_path / "a.yaml") in text
    assert str(tmp_path / "b.json") in text


def test_a_bid_whose_formula_gives_infinities_is_a_problem_not_a_crash():
    bad = small_bid([{"id": "c", "kind": "input", "formula": "1/x", "measure": "cost",
                      "cost_type": "revenue", "organisation": "a"}],
                    {"x": {"dist": "bernoulli", "p": 0.5}})
    batch = bpv.appraise_many([bad, BIDS["frailty_virtual_ward"]], n_draws=DRAWS, rng=1)
    assert batch.bids == ("frailty-virtual-ward",)
    (problem,) = batch.problems
    assert problem.source == "bids[0]"
    assert "not finite" in problem.message
    with pytest.raises(bpv.EvaluationError):
        bpv.appraise_many([bad], n_draws=DRAWS, rng=1, strict=True)


def test_a_second_bid_with_the_same_id_is_a_problem():
    frailty = BIDS["frailty_virtual_ward"]
    batch = bpv.appraise_many([frailty, frailty], n_draws=DRAWS, rng=1)
    assert batch.bids == ("frailty-virtual-ward",)
    assert "already in the batch" in batch.problems[0].message


@pytest.mark.parametrize(("argument", "value"), [("n_draws", 0), ("method", "qmc"),
                                                 ("kernel", "c"), ("keep_draws", 0),
                                                 ("executor", "threads"), ("strict", 1)])
def test_invalid_arguments_are_named(argument, value):
    with pytest.raises(bpv.SpecError, match=f"'{argument}' parameter of appraise_many"):
        bpv.appraise_many(EXAMPLES, **{argument: value})


def test_the_summary_reads_each_bids_results_and_its_csv_keeps_the_stated_columns():
    batch = bpv.appraise_many(EXAMPLES, n_draws=DRAWS, rng=2)
    rows = list(csv.DictReader(io.StringIO(batch.summary().to_csv())))
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    for row in rows:
        record = batch.records[row["bid"]]
        assert float(row["mean_npv"]) == record["metrics"]["npv"]["mean"]
        assert float(row["mcse_npv"]) == record["metrics"]["npv"]["mcse"]
        assert float(row["p_npv_positive"]) == record["probabilities"]["npv > 0"]
        assert float(row["mean_qalys"]) == record["metrics"]["qalys"]["mean"]
        assert row["title"] == BIDS[Path(row["source"]).stem].title
        assert int(row["draws"]) == DRAWS
        assert row["seed"] == "2"


def test_every_metric_has_a_unit():
    assert set(METRICS) | set(ORGANISATION_METRICS) <= set(METRIC_UNITS)


def test_an_appraisals_frame_holds_every_number_of_its_dict():
    pytest.importorskip("pandas")
    result = bpv.appraise(BIDS["frailty_virtual_ward"], n_draws=DRAWS, rng=4)
    frame = result.to_frame()
    record = result.to_dict()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert set(frame["seed"]) == {"4"}
    assert set(frame["draws"]) == {DRAWS}
    assert set(frame["bid_hash"]) == {result.bid_hash}

    def value(scope, metric, statistic):
        chosen = frame[(frame.scope == scope) & (frame.metric == metric)
                       & (frame.statistic == statistic)]
        assert len(chosen) == 1
        return chosen["value"].iloc[0]

    for metric, stats in record["metrics"].items():
        for statistic, number in stats.items():
            got = value("system", metric, statistic)
            assert (math.isnan(got) if number is None else got == number), (metric, statistic)
    for organisation, metrics in record["organisations"].items():
        for metric, stats in metrics.items():
            for statistic, number in stats.items():
                got = value(organisation, metric, statistic)
                assert math.isnan(got) if number is None else got == number
    assert value("system", "npv", "p_above_zero") == result.probability("npv", ">", 0)
    for node_id, node in record["metric_nodes"].items():
        assert value("system", node_id, "mean") == node["total"]["mean"]
        assert set(frame[frame.metric == node_id]["unit"]) == {node["unit"]}
    n_stats = len(next(iter(record["metrics"].values())))
    assert len(frame) == n_stats * (len(record["metrics"]) + len(record["metric_nodes"]) + sum(
        len(m) for m in record["organisations"].values())) + 2


def test_a_batchs_frame_is_its_bids_frames_stacked():
    pd = pytest.importorskip("pandas")
    batch = bpv.appraise_many(EXAMPLES, n_draws=DRAWS, rng=6)
    stacked = pd.concat([bpv.appraise(bid, n_draws=DRAWS, rng=6).to_frame()
                         for bid in BIDS.values()], ignore_index=True)
    pd.testing.assert_frame_equal(batch.to_frame(), stacked)


def test_the_batch_as_json_holds_every_bid_and_problem():
    batch = bpv.appraise_many([EXAMPLES, ROOT / "missing.yaml"], n_draws=DRAWS, rng=6)
    data = json.loads(batch.to_json())
    assert list(data["bids"]) == list(batch.bids)
    assert data["problems"] == [{"source": str(ROOT / "missing.yaml"), "line": None,
                                 "location": "", "message": "no such file"}]
    assert data["bids"]["frailty-virtual-ward"]["metrics"] == json.loads(json.dumps(
        batch.records["frailty-virtual-ward"]["metrics"]))


def test_the_progress_bar_counts_bids(capsys):
    batch = bpv.appraise_many(EXAMPLES, n_draws=DRAWS, rng=1, progress=True)
    assert len(batch.bids) == len(BIDS)
    err = capsys.readouterr().err  # tqdm refreshes at most every 0.1 s: 0/3 is certain
    assert "appraise_many" in err
    assert f"0/{len(BIDS)}" in err
