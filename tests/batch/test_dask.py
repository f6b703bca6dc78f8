"""On a Dask cluster of two worker processes: the same numbers as a local run, to the bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.engine.schedule import ClusterExecutor, as_executor
from bpv.sampling.streams import BLOCK_SIZE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bids"
BENCHMARK = ROOT / "benchmarks" / "representative_bid.yaml"


def test_a_client_becomes_an_executor_with_the_clusters_threads(dask_client):
    executor = as_executor(dask_client, function="appraise")
    assert isinstance(executor, ClusterExecutor)
    assert executor._max_workers == 2
    assert executor.submit(sum, [1, 2, 3]).result() == 6


def test_one_large_appraisal_split_by_blocks_over_the_cluster_matches_a_local_run(dask_client):
    # Four blocks and a bit: five chunks, spread over both workers.
    bid = bpv.load(BENCHMARK)
    n_draws = 4 * BLOCK_SIZE + 1_000
    local = bpv.appraise(bid, n_draws=n_draws, rng=11, keep_draws=False, progress=False)
    from distributed import get_task_stream

    with get_task_stream(dask_client) as stream:
        remote = bpv.appraise(bid, n_draws=n_draws, rng=11, keep_draws=False, progress=False,
                              executor=dask_client)
    assert remote.to_json() == local.to_json()
    np.testing.assert_array_equal(remote.subsample("npv"), local.subsample("npv"))
    np.testing.assert_array_equal(remote.organisation("acute").subsample("npv"),
                                  local.organisation("acute").subsample("npv"))
    # Five chunks of blocks, as tasks, on both workers.
    assert len(stream.data) == 5
    assert len({task["worker"] for task in stream.data}) == 2


def test_a_batch_on_the_cluster_matches_the_batch_on_local_threads(dask_client):
    # Three bids on two workers: whole bids are the tasks.
    local = bpv.appraise_many(EXAMPLES, n_draws=20_000, rng=5)
    remote = bpv.appraise_many(EXAMPLES, n_draws=20_000, rng=5, executor=dask_client)
    assert remote.bids == local.bids
    assert json.dumps(remote.records) == json.dumps(local.records)


def test_a_single_bid_batch_on_the_cluster_is_split_by_blocks_and_matches(dask_client):
    bid = bpv.load(BENCHMARK)
    n_draws = 3 * BLOCK_SIZE
    remote = bpv.appraise_many([bid], n_draws=n_draws, rng=2, executor=dask_client,
                               keep_draws=True)
    alone = bpv.appraise(bid, n_draws=n_draws, rng=2, progress=False)
    np.testing.assert_array_equal(remote.appraisals[bid.id]["npv"], alone["npv"])


def test_problems_on_the_cluster_are_listed_as_locally(dask_client, tmp_path):
    (tmp_path / "broken.yaml").write_text("id: broken\n")
    batch = bpv.appraise_many([tmp_path, EXAMPLES], n_draws=2_000, rng=1, executor=dask_client)
    assert len(batch.bids) == 3
    assert {p.source for p in batch.problems} == {str(tmp_path / "broken.yaml")}
    with pytest.raises(bpv.BidValidationError):
        bpv.appraise_many([tmp_path], executor=dask_client, strict=True)
