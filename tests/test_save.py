"""Saving a bid over its own file keeps its comments, key order and layout (save, update_bid)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpv
from bpv.io import save, update_bid

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(path for path in (ROOT / "examples").rglob("*.yaml")
                  if path.name != "constraints.yaml")
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"


def comments(text: str) -> list[str]:
    """Every comment of a YAML text (outside quotes), in order."""
    found = []
    for line in text.splitlines():
        unquoted = re.sub(r'"[^"]*"|\'[^\']*\'', "", line)
        comment = re.search(r"(?:^|\s)(#.*)", unquoted)  # YAML: '#' after a space, or first
        if comment:
            found.append(comment.group(1).strip())
    return found


def top_keys(text: str) -> list[str]:
    return list(yaml.safe_load(text))


def copy(path: Path, folder: Path) -> Path:
    target = folder / path.name
    shutil.copyfile(path, target)
    return target


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_saving_an_unchanged_bid_leaves_its_file_as_it_was(path, tmp_path):
    target = copy(path, tmp_path)
    save(bpv.load(target), target)
    assert target.read_text() == path.read_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_changed_bid_keeps_every_comment_and_key_order(path, tmp_path):
    target = copy(path, tmp_path)
    data = bpv.load(target).to_dict()
    data.setdefault("settings", {})["qaly_value"] = 61_234
    first = next(iter(data["parameters"]))
    data["parameters"][first] = {"dist": "uniform", "low": 1, "high": 2}
    changed = bpv.Bid.model_validate(data)
    save(changed, target)
    text = target.read_text()
    assert bpv.load(target).to_dict() == changed.to_dict()
    assert comments(text) == comments(path.read_text())
    original = top_keys(path.read_text())
    assert [key for key in top_keys(text) if key in original] == original
    assert list(bpv.load(target).parameters) == list(changed.parameters)
    # only the lines that changed differ
    # (ruamel.yaml joins a flow mapping written on the line after its key)
    joined = re.compile(r":\n +\{")
    before = joined.sub(": {", path.read_text()).splitlines()
    after = joined.sub(": {", text).splitlines()
    assert len(set(after) - set(before)) <= 3


def test_nodes_are_matched_by_id_when_one_is_removed_and_one_added(tmp_path):
    target = copy(FRAILTY, tmp_path)
    text = target.read_text().replace(
        '  - {id: ward, kind: activity, success: 0.8, start: 0, ramp: 2}',
        '  - {id: ward, kind: activity, success: 0.8, start: 0, ramp: 2}  # two-year ramp')
    text = text.replace(
        '  - {id: health_gain, kind: impact, formula: "patients * qaly_per_patient", '
        'measure: qaly}',
        '  # health: the only QALY node\n  - {id: health_gain, kind: impact, formula: '
        '"patients * qaly_per_patient", measure: qaly}  # per patient')
    target.write_text(text)
    data = bpv.load(target).to_dict()
    # (a comment line above a node is held by the node before it, so that one stays)
    data["nodes"] = [node for node in data["nodes"] if node["id"] != "acute_income_lost"]
    data["nodes"].insert(3, {"id": "seen", "kind": "output", "formula": "patients * 0.5",
                             "unit": "patients"})
    changed = bpv.Bid.model_validate(data)
    save(changed, target)
    saved = target.read_text()
    assert bpv.load(target) == changed
    assert "success: 0.8, start: 0, ramp: 2}  # two-year ramp" in saved
    assert "  # health: the only QALY node\n  - {id: health_gain" in saved
    assert 'measure: qaly}  # per patient' in saved
    assert "acute_income_lost" not in saved
    assert [node.id for node in bpv.load(target).nodes] == [node["id"] for node in data["nodes"]]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mean=st.floats(1_000, 5_000, allow_nan=False), success=st.floats(0.05, 1),
       qaly_value=st.integers(1_000, 1_000_000), title=st.text(
           st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
           max_size=40).filter(str.strip))
def test_round_trip_of_any_change(tmp_path_factory, mean, success, qaly_value, title):
    target = copy(FRAILTY, tmp_path_factory.mktemp("bid"))
    bid = update_bid(target, {"parameters.tariff.mean": mean, "nodes.ward.success": success,
                              "settings.qaly_value": qaly_value, "title": title.strip()})
    text = target.read_text()
    assert bpv.load(target) == bid
    assert bid.parameters["tariff"].distribution.mean == mean
    assert bid.node("ward").success == success
    assert comments(text) == comments(FRAILTY.read_text())
    assert len(text.splitlines()) == len(FRAILTY.read_text().splitlines())


def test_update_bid_names_a_wrong_path_and_leaves_the_file(tmp_path):
    target = copy(FRAILTY, tmp_path)
    with pytest.raises(bpv.SpecError, match=r"no item 'wrd'.*did you mean 'ward'"):
        update_bid(target, {"nodes.wrd.success": 0.5})
    with pytest.raises(bpv.SpecError, match=r"no key 'parmeters'.*did you mean 'parameters'"):
        update_bid(target, {"parmeters.tariff.mean": 1})
    with pytest.raises(bpv.BidValidationError, match="success"):
        update_bid(target, {"nodes.ward.success": 2})
    assert target.read_text() == FRAILTY.read_text()


def test_none_removes_a_key(tmp_path):
    target = copy(FRAILTY, tmp_path)
    bid = update_bid(target, {"settings.health_discount_rate": None,
                              "settings.discount_rate": None})
    assert "health_discount_rate" not in target.read_text()
    assert bid.settings.health_discount_rate is None
    assert "# GBP per QALY used to monetise health" in target.read_text()


def test_a_new_file_and_a_json_file_are_written_as_dumps_writes_them(tmp_path):
    bid = bpv.load(FRAILTY)
    assert save(bid, tmp_path / "new.yaml").read_text() == bpv.dumps(bid)
    assert save(bid, tmp_path / "bid.json").read_text() == bpv.dumps(bid, format="json")
    with pytest.raises(bpv.SpecError, match="suffix"):
        save(bid, tmp_path / "bid.txt")


@pytest.mark.parametrize("old", [
    "id: !!python/object/apply:os.system ['touch {marker}']\n",
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{m}'] * 10)}]\n" for m, n in zip("abcdefgh", "bcdefghi",
                                                                       strict=True)),
    "- a list, not a bid\n",
], ids=["object-tag", "billion-laughs", "not-a-mapping"])
def test_a_file_that_cannot_be_read_safely_is_written_afresh_and_never_run(tmp_path, old):
    marker = tmp_path / "pwned"
    target = tmp_path / "bid.yaml"
    target.write_text(old.format(marker=marker))
    bid = bpv.load(FRAILTY)
    with pytest.warns(bpv.BidWarning, match="could not be kept"):
        save(bid, target)
    assert target.read_text() == bpv.dumps(bid)
    assert not marker.exists()


def test_the_howto_steps_do_what_the_guide_says(tmp_path, monkeypatch):
    howto = (ROOT / "docs" / "howto.md").read_text(encoding="utf-8")
    bid_text = re.search(r"^```yaml\n(id: falls-prevention.*?)^```", howto,
                         re.MULTILINE | re.DOTALL).group(1)
    section = howto.split("## Change a bid from Python and keep its comments")[1].split("\n## ")[0]
    steps = re.findall(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    shown = re.search(r"^```diff\n-(.*?)\n\+(.*?)\n```", section, re.MULTILINE | re.DOTALL)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "falls_prevention.yaml").write_text(bid_text, encoding="utf-8")
    exec(steps[0], {})  # noqa: S102 - the guide's own code
    after = (tmp_path / "falls_prevention.yaml").read_text(encoding="utf-8")
    assert shown.group(1) in bid_text.splitlines()
    assert shown.group(2) in after.splitlines()
    assert comments(after) == comments(bid_text)
    exec(steps[1], {})  # noqa: S102
    bid = bpv.load(tmp_path / "falls_prevention.yaml")
    assert bid.node("carers_supported").unit == "people"
    assert bid.node("classes").success == 0.85
    assert bid.settings.qaly_value == 60_000
    assert comments((tmp_path / "falls_prevention.yaml").read_text()) == comments(bid_text)
