"""Every broken bid in tests/data/invalid/ is rejected with located messages, never a traceback.

Each YAML file states the problems it must produce in ``# expect:`` lines:
``# expect: line N | location | start of message`` (``line ?`` when the
problem concerns the whole document and has no better line).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import bpv
from bpv.cli import main

INVALID = Path(__file__).parent / "data" / "invalid"
YAML_FILES = sorted(INVALID.glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: line (\d+|\?) \| ([^|]*) \| (.*)$")


def expectations(path: Path) -> list[tuple[int | None, str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _EXPECT.match(line)
        if match:
            number, location, message = match.groups()
            found.append((None if number == "?" else int(number), location.strip(), message))
    return found


def test_there_are_enough_families():
    assert len(YAML_FILES) >= 25
    assert all(expectations(path) for path in YAML_FILES), "every file states what it expects"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.stem)
def test_load_reports_each_expected_problem_at_its_location(path):
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.load(path)
    problems = caught.value.problems
    for line, location, message in expectations(path):
        matching = [p for p in problems if p.location == location and message in p.message]
        assert matching, f"expected {location!r}: {message!r}; got {[str(p) for p in problems]}"
        if line is not None:
            assert line in [p.line for p in matching], (
                f"expected line {line} for {location!r}; got {[str(p) for p in matching]}"
            )


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.stem)
def test_validate_command_exits_non_zero_with_located_message(path, capsys):
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for line, location, message in expectations(path):
        where = f"{path}:{line}: " if line is not None else f"{path}"
        assert any(
            text.startswith(where) and f"{location}: " * bool(location) in text and message in text
            for text in out.splitlines()
        ), out


def test_all_problems_are_reported_at_once():
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.load(INVALID / "many_problems.yaml")
    assert len(caught.value.problems) == 4
    lines = [p.line for p in caught.value.problems]
    assert lines == sorted(lines), "problems come in document order"


def test_unsafe_yaml_is_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "bid.yaml"
    path.write_text(f"id: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(bpv.BidValidationError, match="could not determine a constructor"):
        bpv.load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "x", "title": ', "not valid JSON"),
        ('[1, 2]', "must hold a mapping"),
        ('{"id": "x", "id": "y"}', "duplicate key 'id'"),
    ],
)
def test_broken_json(tmp_path, text, message):
    path = tmp_path / "bid.json"
    path.write_text(text)
    with pytest.raises(bpv.BidValidationError, match=re.escape(message)):
        bpv.load(path)
    assert main(["validate", str(path)]) == 1


def test_json_problems_carry_lines(tmp_path):
    bid = json.loads(bpv.load("examples/bids/frailty_virtual_ward.yaml").to_json())
    bid["nodes"][3]["formula"] = "patients * admit_rte"
    path = tmp_path / "bid.json"
    path.write_text(json.dumps(bid, indent=2))
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.load(path)
    (problem,) = caught.value.problems
    assert problem.location == "nodes[3].formula"
    assert problem.line is not None
    assert '"formula": "patients * admit_rte"' in path.read_text().splitlines()[problem.line - 1]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d / "missing.yaml", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "b.yaml").write_bytes(b"id: \xff\xfe\n") and d / "b.yaml", "not UTF-8"),
        (lambda d: (d / "b.txt").write_text("id: x") and d / "b.txt", "cannot tell the format"),
    ],
    ids=["missing", "directory", "binary", "suffix"],
)
def test_file_level_errors_are_one_clean_line(tmp_path, capsys, setup, message):
    path = setup(tmp_path)
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert message in out
    assert "Traceback" not in out + err


def test_one_bad_file_among_good_ones_fails_the_run(capsys):
    good = "examples/bids/frailty_virtual_ward.yaml"
    assert main(["validate", good, str(INVALID / "cycle.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok" in out
    assert "cycle: patients -> seen -> patients" in out


def test_a_misspelt_section_is_one_problem_not_one_for_each_node():
    # organisation: for organisations: would otherwise also say 'organisations' is missing
    # and every node's organisation is unknown
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.load(INVALID / "organisations_singular.yaml")
    assert [p.location for p in caught.value.problems] == ["organisation"]
