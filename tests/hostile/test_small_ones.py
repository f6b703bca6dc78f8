"""The small ones of issue 19, item 11, through the command line.

Ties in ``bpv compare``; a payback that never comes; control characters in a
bid's text; running out of memory or disk; numpy's and scipy's own warnings.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"
PATHOLOGY = ROOT / "examples" / "bids" / "pathology_network.yaml"
DIABETES = ROOT / "examples" / "bids" / "diabetes_prevention.yaml"


def bpv_command(*args: str | Path, preexec_fn=None) -> tuple[int, str, str]:
    run = subprocess.run([sys.executable, "-m", "bpv", *map(str, args)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT, check=False, preexec_fn=preexec_fn)
    return run.returncode, run.stdout, run.stderr


def copy_of(tmp_path: Path, bid: Path, new_id: str, **replace: str) -> Path:
    text = bid.read_text(encoding="utf-8")
    old_id = next(line for line in text.splitlines() if line.startswith("id:"))
    text = text.replace(old_id, f"id: {new_id}", 1)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / f"{new_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_two_identical_options_are_a_tie_without_an_icer(tmp_path):
    copy = copy_of(tmp_path, FRAILTY, "frailty-copy")
    code, out, err = bpv_command("compare", FRAILTY, copy, "--draws", "2000", "--seed", "1")
    assert code == 0, err
    assert err == "", err  # was: a RuntimeWarning of 0 / 0
    assert "nan" not in out
    (tied,) = [line for line in out.splitlines() if line.lstrip().startswith("frailty-copy ")
               and "net cost" in line]
    assert "tied" in tied
    assert "same expected cost and QALYs as frailty-virtual-ward" in tied
    code, out, _ = bpv_command("compare", FRAILTY, copy, "--draws", "2000", "--seed", "1",
                               "--json")
    rows = {row["option"]: row for row in json.loads(out)["frontier"]}
    assert rows["frailty-copy"]["status"] == "tied"
    assert rows["frailty-copy"]["icer"] is None
    assert rows["frailty-copy"]["compared_with"] == "frailty-virtual-ward"
    assert rows["frailty-virtual-ward"]["icer"] is not None


def test_a_payback_that_never_comes_is_never_and_counted(tmp_path):
    # The frailty ward never pays back within its horizon (P = 0%).
    code, out, err = bpv_command("appraise", FRAILTY, "--draws", "2000", "--seed", "1",
                                 "--quiet")
    assert code == 0, err
    assert "(paid back in 0 of 2,000 draws)" in out
    report = tmp_path / "report.html"
    code, _, err = bpv_command("report", FRAILTY, "--draws", "2000", "--seed", "1", "--quiet",
                               "-o", report)
    assert code == 0, err
    html = report.read_text(encoding="utf-8")
    row = html[html.index("Payback period"):][:2000]
    assert "paid back in 0 of 2,000 draws" in row
    assert ">never<" in row.replace(" ", "")  # the mean: was "—" beside "0: within the first year"


def test_control_characters_in_a_bid_never_reach_the_terminal(tmp_path):
    evil = "\x1b]0;owned\x07\x1b[2J\r\u202eTitle\x9b"
    bid = copy_of(tmp_path, FRAILTY, "evil",
                  **{"title: Frailty virtual ward, North Place": f"title: {json.dumps(evil)}",
                     "name: North ICB": f"name: {json.dumps('ICB' + evil)}"})
    broken = copy_of(tmp_path, FRAILTY, "broken",
                     **{"{id: funding,": '{id: "fund\\e[2J\\u202e",'})
    runs = [("appraise", bid, "--draws", "1000", "--quiet"),
            ("appraise", bid, "--draws", "1000", "--quiet", "--json"),
            ("compare", bid, FRAILTY, "--draws", "1000"),
            ("scenarios", copy_of(tmp_path, PATHOLOGY, "evil-scenarios", **{
                "title: Pathology network consolidation, West Place":
                    f"title: {json.dumps(evil)}"}), "--draws", "1000", "--quiet"),
            ("validate", broken)]
    for args in runs:
        _code, out, err = bpv_command(*args)
        for text in (out, err):
            assert not any(ch in text for ch in "\x1b\x07\r\u202e\x9b"), (args, text[:500])
        if args[-1] == "--json":
            assert json.loads(out)["bid"] == "evil"
        elif args[0] in ("appraise", "validate"):  # the others name bids by id only
            assert "\\x1b" in out + err, args


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_write_that_fails_is_a_one_line_message(tmp_path):
    code, _out, err = bpv_command("report", FRAILTY, "--draws", "1000", "--quiet",
                                 "-o", tmp_path / "report.html", preexec_fn=_limit_file_size)
    assert code == 1, err  # was: internal error, exit 70
    assert "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert "File too large" in err
    assert not (tmp_path / "report.html").exists()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


def test_running_out_of_memory_is_a_one_line_message():
    # Within the 8 GiB budget of kept draws, but not within 1.5 GB of address space.
    code, _, err = bpv_command("compare", FRAILTY, PATHOLOGY, DIABETES, "--draws", "3000000",
                               preexec_fn=_limit_memory)
    assert code == 1, err  # was: internal error: MemoryError, exit 70
    assert err.strip().splitlines()[-1].startswith("bpv: out of memory:"), err
    assert "internal error" not in err


def test_no_warning_but_bpvs_own_reaches_the_terminal():
    code, _, err = bpv_command("appraise", FRAILTY, "--draws", "3000", "--seed", "1",
                               "--quiet", "--method", "sobol")
    assert code == 0
    # bpv's own warning, once; scipy's ("The balance properties of Sobol' points ...") not.
    assert "warning: Sobol points are balanced only for a power of two draws" in err
    assert "balance properties" not in err
    assert "Warning" not in err
