"""Every terminal session pasted in the docs is what bpv prints today.

A ```text block whose first line starts with ``$ `` is a session: each ``$ `` line is
a command, run here with bash in a scratch folder, and the lines after it, up to the next
command, are what it prints (standard output and error together). A line ``...`` in the
docs stands for any number of lines. The scratch folder holds the repository's
``examples/`` and ``tests/`` (linked) and the how-to guide's own files: its
``falls_prevention.yaml`` block, and the two variants the guide describes in words.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Pages whose sessions are checked.
PAGES = ("README.md", "docs/howto.md", "docs/json-output.md", "docs/scenarios.md",
         "docs/programme-office.md", "docs/validation.md")
_SESSION = re.compile(r"^```text\n(\$ .*?)^```", re.MULTILINE | re.DOTALL)


def sessions() -> list[tuple[str, str, list[str]]]:
    """Return (page, command, expected lines) for every command of every session."""
    found = []
    for page in PAGES:
        for block in _SESSION.findall((ROOT / page).read_text(encoding="utf-8")):
            command, expected = None, []
            for line in block.rstrip("\n").split("\n"):
                if line.startswith("$ "):
                    if command is not None:
                        found.append((page, command, expected))
                    command, expected = line[2:], []
                else:
                    expected.append(line)
            found.append((page, command, expected))
    return found


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the how-to bid no longer holds {old!r}"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("transcripts")
    for name in ("examples", "tests"):
        (folder / name).symlink_to(ROOT / name)
    howto = (ROOT / "docs" / "howto.md").read_text(encoding="utf-8")
    bid = re.search(r"^```yaml\n(id: falls-prevention.*?)^```", howto,
                    re.MULTILINE | re.DOTALL).group(1)
    (folder / "falls_prevention.yaml").write_text(bid, encoding="utf-8")
    # "the interval's low changed to 0.40 (above its high), fall_admission_rate misspelt
    # in a formula, and the council's node given organisation county"
    typos = _edit(bid, "    low: 0.10\n", "    low: 0.40\n")
    typos = _edit(typos, "attenders * fall_admission_rate", "attenders * fall_admision_rate")
    typos = _edit(typos, "measure: non_cash_releasing, organisation: council}",
                  "measure: non_cash_releasing, organisation: county}")
    (folder / "falls_typos.yaml").write_text(typos, encoding="utf-8")
    # "without the hypothesis's evidence and sms, and with an unused readmission_rate"
    draft = _edit(bid, "    evidence: strong\n    sms: 5\n", "")
    draft = _edit(draft, "nodes:\n",
                  "  readmission_rate: {dist: beta, mean: 0.1, sd: 0.02}\nnodes:\n")
    (folder / "falls_draft.yaml").write_text(draft, encoding="utf-8")
    return folder


def _matches(expected: list[str], printed: list[str]) -> bool:
    """Whether the printed lines match, ``...`` standing for any run of lines."""
    if not expected:
        return not printed
    if expected[0] == "...":
        return any(_matches(expected[1:], printed[start:]) for start in range(len(printed) + 1))
    return bool(printed) and printed[0] == expected[0] and _matches(expected[1:], printed[1:])


@pytest.mark.parametrize(("page", "command", "expected"), sessions(),
                         ids=[f"{page}: {command}" for page, command, _ in sessions()])
def test_the_session_prints_what_the_docs_show(scratch, page, command, expected):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "80"}
    run = subprocess.run(["bash", "-c", f"{command} 2>&1"], cwd=scratch, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    printed = run.stdout.rstrip("\n").split("\n") if run.stdout else []
    assert _matches(expected, printed), (
        f"{page}: `{command}` now prints:\n{run.stdout}")
