"""Every command's default text output is plain: no number in exponent form (``1.138e+07``).

Each command runs on the examples as a user runs it (few draws, for speed); the text it
prints is searched for a number in scientific notation. ``--json`` is for machines and
keeps full figures; it is not searched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpv.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BIDS = sorted((EXAMPLES / "bids").glob("*.yaml"))
PORTFOLIO = sorted((EXAMPLES / "portfolio" / "bids").glob("*.yaml"))
#: A number in exponent form: 1.138e+07, 2.2e-04, 3e5 (not a word such as "seed 1").
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d")
RUN = ["--draws", "1000", "--seed", "1"]


def _printed(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out + err


def _assert_plain(text: str) -> None:
    found = [line for line in text.splitlines() if SCIENTIFIC.search(line)]
    assert not found, "numbers in exponent form:\n" + "\n".join(found)


COMMANDS = {
    **{f"appraise {path.stem}": ["appraise", path, *RUN, "--quiet"] for path in BIDS},
    "validate": ["validate", *BIDS, *PORTFOLIO],
    "compare": ["compare", *BIDS, *RUN],
    "sensitivity npv": ["sensitivity", BIDS[1], *RUN, "--sobol", "256", "--quiet"],
    "sensitivity nmb": ["sensitivity", BIDS[1], *RUN, "--metric", "nmb", "--sobol", "0",
                        "--quiet"],
    "sensitivity by organisation": ["sensitivity", BIDS[1], *RUN, "--organisation", "acute",
                                    "--sobol", "0", "--quiet"],
    "scenarios": ["scenarios", EXAMPLES / "bids" / "pathology_network.yaml", *RUN, "--quiet"],
    "batch": ["batch", EXAMPLES / "bids", *RUN, "--quiet"],
    "portfolio": ["portfolio", *PORTFOLIO, "--constraints",
                  EXAMPLES / "portfolio" / "constraints.yaml", *RUN],
}


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_the_command_prints_no_number_in_exponent_form(capsys, argv):
    _assert_plain(_printed(capsys, argv))


def test_the_track_commands_print_no_number_in_exponent_form(capsys, tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'register.db'}"]
    printed = [_printed(capsys, ["track", "init", *db])]
    for name in ("frailty_virtual_ward", "diabetes_prevention"):
        printed.append(_printed(capsys, ["track", "add", EXAMPLES / "bids" / f"{name}.yaml",
                                         "--approved-by", "ICB board", *RUN, "--quiet", *db]))
        printed.append(_printed(capsys, ["track", "actuals",
                                         EXAMPLES / "tracking" / f"{name}_actuals.csv", *db]))
    printed += [_printed(capsys, ["track", "bids", *db]),
                _printed(capsys, ["track", "history", "frailty-virtual-ward", *db]),
                _printed(capsys, ["track", "status", *db]),
                _printed(capsys, ["track", "status", "frailty-virtual-ward", *db])]
    text = "\n".join(printed)
    _assert_plain(text)
    assert "Re-forecast of frailty-virtual-ward" in text  # the full status was printed


def test_appraise_writes_money_briefly_and_explains_where_npv_and_nmb_disagree(capsys):
    text = _printed(capsys, ["appraise", EXAMPLES / "bids" / "frailty_virtual_ward.yaml",
                             *RUN, "--quiet"])
    npv_line = next(line for line in text.splitlines() if line.startswith("Net present value"))
    assert re.search(r"[−]?£\d+(\.\d+)?[km]?\b", npv_line)
    # The example's NPV is negative and its NMB positive: the note says why.
    assert "NPV is negative but NMB positive" in text
    assert "Cash by year, undiscounted" in text
    assert "docs/glossary.md" in text
