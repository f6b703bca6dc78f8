"""The logic model graph: its edges are exactly the formula references."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

import bpv
from bpv.spec.graph import KIND_RANK, find_cycles
from tests.strategies import bids

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def test_edges_of_the_example_are_its_formula_references():
    graph = bpv.logic_model(bpv.load(FRAILTY))
    assert set(graph.edges) == {
        ("ward", "patients"),
        ("patients", "admissions_avoided"),
        ("admissions_avoided", "icb_tariff_saved"),
        ("admissions_avoided", "acute_income_lost"),
        ("admissions_avoided", "acute_cost_saved"),
        ("patients", "health_gain"),
    }
    assert graph.nodes["acute_cost_saved"]["organisation"] == "acute"
    assert graph.nodes["funding"]["measure"] == "cost"


def test_the_graph_is_frozen():
    graph = bpv.logic_model(bpv.load(FRAILTY))
    with pytest.raises(nx.NetworkXError, match="Frozen"):
        graph.add_edge("a", "b")


def test_parameters_can_be_drawn_as_nodes():
    graph = bpv.logic_model(bpv.load(FRAILTY), parameters=True)
    assert graph.nodes["admission_reduction"]["kind"] == "parameter"
    assert graph.nodes["admission_reduction"]["hypothesis"].startswith("Virtual ward care")
    assert set(graph.successors("tariff")) == {
        "icb_tariff_saved", "acute_income_lost", "acute_cost_saved"}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bids())
def test_generated_graphs_match_formulas_and_respect_kind_order(data):
    bid = bpv.Bid.model_validate(data)
    graph = bpv.logic_model(bid)
    assert nx.is_directed_acyclic_graph(graph)
    expected = {
        (name, node.id) for node in bid.nodes for name in node.references if name in bid.node_ids
    }
    assert set(graph.edges) == expected
    for upstream, downstream in graph.edges:
        kinds = graph.nodes[upstream]["kind"], graph.nodes[downstream]["kind"]
        assert KIND_RANK[kinds[0]] <= KIND_RANK[kinds[1]]
    order = [node.id for node in bid.evaluation_order()]
    assert sorted(order) == sorted(n.id for n in bid.nodes if not n.is_qualitative)
    position = {node_id: i for i, node_id in enumerate(order)}
    for upstream, downstream in graph.edges:
        assert position[upstream] < position[downstream]


def test_evaluation_order_breaks_ties_by_document_order():
    bid = bpv.load(FRAILTY)
    assert [n.id for n in bid.evaluation_order()] == [
        "funding", "ward", "patients", "admissions_avoided", "icb_tariff_saved",
        "acute_income_lost", "acute_cost_saved", "health_gain"]


def test_find_cycles_reports_one_cycle_per_tangle():
    edges = [("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "c"), ("x", "y")]
    position = {name: i for i, name in enumerate("abcdexy")}
    assert find_cycles(edges, position) == [["a", "b", "a"], ["c", "d", "e", "c"]]
    assert find_cycles([("x", "y")], position) == []
