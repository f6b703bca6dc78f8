"""Bids built in Python: the same checks as files, all problems at once, frozen."""

from __future__ import annotations

import pydantic
import pytest

import bpv
from bpv import Bid, Node, Organisation, Parameter
from bpv.dist import Beta, Pert


def minimal(**changes):
    data = {
        "id": "demo",
        "title": "Demo",
        "start_year": 2025,
        "horizon": 3,
        "organisations": [{"id": "icb", "name": "ICB", "role": "commissioner"}],
        "parameters": {"cost": 100.0, "rate": {"dist": "beta", "mean": 0.3, "sd": 0.05}},
        "nodes": [
            {"id": "spend", "kind": "input", "formula": "cost", "measure": "cost",
             "cost_type": "revenue", "organisation": "icb"},
            {"id": "work", "kind": "activity", "success": "rate", "ramp": 2},
            {"id": "gain", "kind": "outcome", "formula": "work * 10", "measure": "qaly"},
        ],
    }
    data.update(changes)
    return data


def errors_of(data):
    with pytest.raises(pydantic.ValidationError) as caught:
        Bid.model_validate(data)
    return {(bpv.errors.format_location(e["loc"]), e["msg"]) for e in caught.value.errors()}


def test_a_bid_built_from_objects_equals_the_same_bid_from_data():
    from_objects = Bid(
        id="demo", title="Demo", start_year=2025, horizon=3,
        organisations=[Organisation(id="icb", name="ICB", role="commissioner")],
        parameters={"cost": Parameter.model_validate(100.0),
                    "rate": Parameter(distribution=Beta(mean=0.3, sd=0.05))},
        nodes=[
            Node(id="spend", kind="input", formula="cost", measure="cost", cost_type="revenue",
                 organisation="icb"),
            Node(id="work", kind="activity", success="rate", ramp=2),
            Node(id="gain", kind="outcome", formula="work * 10", measure="qaly"),
        ],
    )
    assert from_objects == Bid.model_validate(minimal())
    assert bpv.loads(from_objects.to_yaml()) == from_objects


def test_bids_are_frozen():
    bid = Bid.model_validate(minimal())
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        bid.horizon = 10  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        bid.nodes[0].formula = "cost * 2"  # type: ignore[misc]


def test_field_and_structure_problems_are_reported_together():
    data = minimal(horizon=0)
    data["parameters"]["peak"] = {"dist": "pert", "low": 5, "mode": 1, "high": 9}
    data["nodes"][2]["formula"] = "wrk * 10"
    data["nodes"][0]["organisation"] = "icbb"
    found = errors_of(data)
    locations = {location for location, _ in found}
    assert locations == {"horizon", "parameters.peak.distribution.pert", "nodes[2].formula",
                         "nodes[0].organisation"}
    assert ("nodes[2].formula", "unknown name 'wrk' (did you mean 'work'?)") in found


def test_every_problem_of_one_node_is_reported():
    data = minimal()
    data["nodes"][0] = {"id": "spend", "kind": "input", "formula": "cost", "measure": "qaly",
                        "cost_type": "capital", "ramp": 3}
    found = errors_of(data)
    assert {location for location, _ in found} == {
        "nodes[0].ramp", "nodes[0].measure", "nodes[0].cost_type"}


@pytest.mark.parametrize(
    ("name", "message"),
    [("t", "reserved by the formula language"), ("exp", "reserved by the formula language"),
     ("lambda", "reserved word"), ("2x", "not a valid name"), ("a-b", "not a valid name")],
)
def test_names_formulas_could_not_use_are_rejected(name, message):
    data = minimal()
    data["parameters"][name] = 1.0
    assert any(loc == f"parameters.{name}" and message in msg for loc, msg in errors_of(data))
    node_data = minimal()
    node_data["nodes"].append({"id": name, "kind": "output", "formula": "work"})
    assert any(loc == "nodes[3].id" and message in msg for loc, msg in errors_of(node_data))


def test_kind_order_allows_same_and_earlier_kinds_only():
    data = minimal()
    data["nodes"] += [
        {"id": "o1", "kind": "output", "formula": "work"},
        {"id": "o2", "kind": "output", "formula": "o1 * 2"},  # same kind: fine
        {"id": "back", "kind": "activity", "formula": "o2"},  # earlier kind using later: no
    ]
    found = errors_of(data)
    assert ("nodes[5]", "an activity may not depend on output 'o2'; the chain runs input -> "
            "activity -> output -> outcome -> impact") in found


def test_a_three_node_cycle_is_named_from_its_first_node():
    data = minimal()
    data["nodes"] += [
        {"id": "a", "kind": "output", "formula": "c + work"},
        {"id": "b", "kind": "output", "formula": "a"},
        {"id": "c", "kind": "output", "formula": "b"},
    ]
    assert ("nodes[3]", "cycle: a -> b -> c -> a") in errors_of(data)  # data flows a to b to c


def test_self_reference_is_a_cycle():
    data = minimal()
    data["nodes"][2]["formula"] = "gain + work"
    assert ("nodes[2]", "cycle: gain -> gain") in errors_of(data)


def test_qualitative_nodes_are_drawn_with_depends_on():
    data = minimal()
    data["nodes"].append({"id": "confidence", "kind": "outcome", "depends_on": ["work"],
                          "description": "Staff confidence in managing frailty at home"})
    bid = Bid.model_validate(data)
    assert bid.node("confidence").is_qualitative
    assert "confidence" not in [n.id for n in bid.evaluation_order()]
    assert list(bid.logic_model().predecessors("confidence")) == ["work"]


def test_a_qualitative_outcome_must_still_trace_back():
    data = minimal()
    data["nodes"].append({"id": "floating", "kind": "impact"})
    assert ("nodes[3]", "impact 'floating' does not trace back to any input or activity; refer "
            "to the nodes that lead to it (in its formula, or depends_on for a qualitative "
            "node)") in errors_of(data)


def test_depends_on_is_refused_on_computed_nodes():
    data = minimal()
    data["nodes"][2]["depends_on"] = ["spend"]
    assert any(loc == "nodes[2].depends_on" for loc, _ in errors_of(data))


def test_success_must_name_a_parameter_on_zero_one():
    data = minimal()
    data["parameters"]["rate"] = {"dist": "pert", "low": 0, "mode": 0.5, "high": 1.5}
    assert any(loc == "nodes[1].success" and "outside [0, 1]" in msg
               for loc, msg in errors_of(data))
    data = minimal()
    data["nodes"][1]["success"] = "spend"
    assert any("success names node 'spend'" in msg for _, msg in errors_of(data))


def test_supports_must_name_a_node():
    data = minimal()
    data["parameters"]["rate"] = {"dist": "beta", "mean": 0.3, "sd": 0.05, "supports": "gian",
                                  "hypothesis": "The work succeeds"}
    assert ("parameters.rate.supports", "unknown node 'gian' (did you mean 'gain'?)") in \
        errors_of(data)


def test_duplicate_organisations_are_refused():
    data = minimal()
    data["organisations"].append({"id": "icb", "name": "Another"})
    assert any(loc == "organisations[1].id" for loc, _ in errors_of(data))


def test_conveniences():
    bid = Bid.model_validate(minimal(start_year=2099, horizon=2))
    assert bid.period_labels == ("2099/00", "2100/01")
    assert bid.node_ids == ("spend", "work", "gain")
    assert bid.hypotheses == {}
    with pytest.raises(KeyError, match="did you mean 'gain'"):
        bid.node("gian")


def test_parameter_metadata_and_hypotheses():
    data = minimal()
    data["parameters"]["rate"] = {"dist": "beta", "mean": 0.3, "sd": 0.05,
                                  "hypothesis": "Most practices adopt the tool",
                                  "evidence": "weak", "sms": 2, "owner": "Digital lead"}
    bid = Bid.model_validate(data)
    assert list(bid.hypotheses) == ["rate"]
    assert bid.parameters["rate"].distribution == Beta(mean=0.3, sd=0.05)
    assert bid.to_dict()["parameters"]["rate"] == {
        "dist": "beta", "mean": 0.3, "sd": 0.05, "hypothesis": "Most practices adopt the tool",
        "evidence": "weak", "sms": 2, "owner": "Digital lead"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"mean": 1, "sd": 1}, "missing key 'dist'"),
        ({"dist": "nromal", "mean": 1, "sd": 1}, "did you mean 'normal'?"),
        ({"dist": "normal", "mean": 1, "sd": 1, "evidnce": "weak"},
         "unknown key 'evidnce' (did you mean 'evidence'?)"),
        ({"dist": "normal", "mean": 1, "sd": 1, "evidence": "solid"},
         "unknown value 'solid'"),
        (True, "expected a distribution (a mapping with 'dist' and its arguments) or a number"),
        ("fixed", "expected a distribution (a mapping with 'dist' and its arguments) or a number"),
    ],
)
def test_parameter_problems(spec, message):
    data = minimal()
    data["parameters"]["x"] = spec
    assert any(loc.startswith("parameters.x") and message in msg for loc, msg in errors_of(data))


def test_pert_in_python_and_in_a_file_agree():
    parameter = Parameter(distribution=Pert(low=1, mode=2, high=4), hypothesis="h")
    assert Parameter.model_validate(parameter.model_dump()) == parameter


def test_correlations_name_uncertain_parameters_of_the_bid():
    data = minimal()
    data["parameters"]["other"] = {"dist": "normal", "mean": 1, "sd": 1}
    data["correlations"] = {"pairs": [{"between": ["rate", "othr"], "rho": 0.3},
                                      {"between": ["cost", "other"], "rho": 0.2}]}
    found = errors_of(data)
    assert ("correlations.pairs[0].between[1]",
            "unknown parameter 'othr' (did you mean 'other'?)") in found
    assert any(loc == "correlations.pairs[1].between[0]" and "is fixed" in msg
               for loc, msg in found)
    data["correlations"] = {"pairs": [{"between": ["rate", "other"], "rho": 0.3}]}
    names, matrix = Bid.model_validate(data).correlations.to_matrix()
    assert names == ["rate", "other"]
    assert matrix[0, 1] == 0.3
