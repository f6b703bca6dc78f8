"""Nothing lost: real processes writing at once, and a process killed in the middle of an import."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from collections import Counter

import pytest

import bpv
from bpv.register import Register
from tests.register import workers

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"
N_WORKERS, N_IMPORTS, ROWS_EACH = 4, 20, 10  # 200 actuals per process, 800 in all


@pytest.fixture
def register(register_url):
    register = Register(register_url)
    register.init()
    with open(FRAILTY, encoding="utf-8") as file:
        register.add_bid(bpv.load(FRAILTY), text=file.read(), approved_by="board",
                         n_draws=200, seed=1)
    yield register
    register.close()


def test_four_processes_recording_200_actuals_each_at_once_keep_all_800(register,
                                                                        register_url):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(N_WORKERS)
    processes = [context.Process(target=workers.record,
                                 args=(register_url, worker, N_IMPORTS, ROWS_EACH, barrier))
                 for worker in range(N_WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [process.exitcode for process in processes] == [0] * N_WORKERS
    rows = register.actuals(workers.BID_ID)
    assert len(rows) == N_WORKERS * N_IMPORTS * ROWS_EACH == 800
    assert sorted(row.value for row in rows) == sorted(
        float(w * 1_000 + i) for w in range(N_WORKERS) for i in range(N_IMPORTS * ROWS_EACH))
    imports = [event for event in register.history(workers.BID_ID) if event.kind == "import"]
    assert len(imports) == N_WORKERS * N_IMPORTS
    assert {event.details["n_rows"] for event in imports} == {ROWS_EACH}
    assert Counter(row.import_id for row in rows) == Counter(
        {event.details["import_id"]: ROWS_EACH for event in imports})
    # each import's rows are its own worker's: no import mixes two transactions
    by_import = {}
    for row in rows:
        by_import.setdefault(row.import_id, set()).add(row.node)
    assert all(len(nodes) == 1 for nodes in by_import.values())


def test_a_process_killed_in_the_middle_of_an_import_leaves_none_of_it(register, register_url,
                                                                       tmp_path):
    register.record_actuals(workers.BID_ID, [{"node": "kept", "period": "2026/27",
                                              "value": 1.0}], recorded_by="PMO")
    ready = tmp_path / "ready"
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=workers.stall_in_import, args=(register_url, str(ready)))
    process.start()
    deadline = time.monotonic() + 120
    while not ready.exists() and process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), f"the import never began (exit code {process.exitcode})"
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=60)
    assert process.exitcode == -signal.SIGKILL
    again = Register(register_url)
    assert [(row.node, row.value) for row in again.actuals(workers.BID_ID)] == [("kept", 1.0)]
    imports = [e for e in again.history(workers.BID_ID) if e.kind == "import"]
    assert [e.details["file_name"] for e in imports] == [None]
    # the killed writer's lock is gone: the register takes the next import at once
    again.record_actuals(workers.BID_ID, [{"node": "after", "period": "2026/27", "value": 2}],
                         recorded_by="PMO")
    assert [row.node for row in again.actuals(workers.BID_ID)] == ["kept", "after"]
    again.close()


def test_processes_adding_the_same_revision_at_once_make_one_new_version(register,
                                                                        register_url):
    data = bpv.load(FRAILTY).to_dict()
    data["title"] = "Frailty virtual ward, revised"
    text = json.dumps(data)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(3), context.Queue()
    processes = [context.Process(target=workers.add_revision,
                                 args=(register_url, text, barrier, results))
                 for _ in range(3)]
    for process in processes:
        process.start()
    versions = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    assert versions == [2, 2, 2]
    events = register.history(workers.BID_ID)
    assert [e.kind for e in events] == ["bid", "appraisal", "bid", "appraisal"]
    assert register.bid(workers.BID_ID).title == "Frailty virtual ward, revised"
