"""The logic model as a graph: inputs → activities → outputs → outcomes → impacts.

The graph's edges are exactly the references in node formulas (plus an
activity's ``success`` parameter and a qualitative node's ``depends_on``), so
the picture and the arithmetic cannot disagree. These are plain functions
over a bid, in the manner of networkx's algorithms.

networkx is imported by the functions that return or search a networkx graph
(:func:`logic_model`, and :func:`find_cycles` once it knows there is a
cycle), not with bpv: checking a bid and appraising it need only the plain
searches here (:func:`ancestors`, :func:`evaluation_order`), and importing
networkx costs more than checking a bid.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from bpv.spec.node import KINDS, Node
from bpv.spec.parameter import Parameter

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["KIND_RANK", "LogicModelSource", "ancestors", "evaluation_order", "find_cycles",
           "logic_model"]


class LogicModelSource(Protocol):
    """What the graph functions read of a bid: a :class:`~bpv.Bid` is one.

    Written as a protocol so that the bid can draw its own graph
    (:meth:`bpv.Bid.logic_model`) without this module importing the bid.
    """

    @property
    def id(self) -> str: ...  # noqa: D102
    @property
    def title(self) -> str: ...  # noqa: D102
    @property
    def parameters(self) -> Mapping[str, Parameter]: ...  # noqa: D102
    @property
    def nodes(self) -> tuple[Node, ...]: ...  # noqa: D102
    @property
    def node_ids(self) -> tuple[str, ...]: ...  # noqa: D102

#: Position of each kind in the chain; a node may use nodes of equal or lower rank.
KIND_RANK: dict[str, int] = {kind: rank for rank, kind in enumerate(KINDS)}


def logic_model(bid: LogicModelSource, *, parameters: bool = False) -> nx.DiGraph:
    """Return the bid's logic model as a frozen directed graph.

    Parameters
    ----------
    bid : Bid
        A validated bid.
    parameters : bool, default False
        Also add a node per parameter (``kind='parameter'``) with edges to the
        nodes that use it, to draw where each success hypothesis bites.

    Returns
    -------
    networkx.DiGraph
        Frozen. Node attributes: ``kind``, ``label``, ``measure``,
        ``organisation``, ``unit``, ``formula``, ``qualitative`` (and for
        parameters ``distribution`` and ``hypothesis``). An edge ``u -> v``
        means ``v`` uses ``u``; its ``via`` attribute says how: ``formula``
        (the arithmetic), ``success`` (an activity's probability of delivery)
        or ``depends_on`` (a drawn link of a node without a formula).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> g = bpv.logic_model(bid)
    >>> sorted(g.predecessors("patients"))
    ['ward']
    >>> g.nodes["admissions_avoided"]["kind"]
    'outcome'
    """
    import networkx as nx

    graph = nx.DiGraph(bid=bid.id, title=bid.title)
    node_ids = set(bid.node_ids)
    for node in bid.nodes:
        graph.add_node(
            node.id,
            kind=node.kind,
            label=node.label or node.id,
            measure=node.measure,
            organisation=node.organisation,
            unit=node.unit,
            formula=node.formula,
            qualitative=node.is_qualitative,
        )
    for node in bid.nodes:
        for name, via in sorted(node.links().items()):
            if name in node_ids:
                graph.add_edge(name, node.id, via=via)
    if parameters:
        for name, parameter in bid.parameters.items():
            graph.add_node(
                name,
                kind="parameter",
                label=name,
                distribution=str(parameter.distribution),
                hypothesis=parameter.hypothesis,
            )
        for node in bid.nodes:
            for name, via in sorted(node.links().items()):
                if name in bid.parameters:
                    graph.add_edge(name, node.id, via=via)
    return nx.freeze(graph)


def evaluation_order(bid: LogicModelSource) -> list[Node]:
    """Return the nodes to compute, each after everything it uses.

    Qualitative nodes are left out. Ties are broken by document order, so
    the order is deterministic.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> [node.id for node in bpv.evaluation_order(bid)][:3]
    ['funding', 'ward', 'patients']
    """
    position = {node.id: index for index, node in enumerate(bid.nodes)}
    node_ids = set(position)
    users: dict[str, set[str]] = defaultdict(set)  # the nodes each node is used by
    waiting = dict.fromkeys(position, 0)  # how many of its inputs are not yet placed
    for node in bid.nodes:
        for name in node.links():
            if name in node_ids and node.id not in users[name]:
                users[name].add(node.id)
                waiting[node.id] += 1
    # Kahn's algorithm, taking the ready node earliest in the file first: the order
    # networkx.lexicographical_topological_sort gives with the same key (tested).
    ready = [position[node_id] for node_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        node = bid.nodes[heapq.heappop(ready)]
        if not node.is_qualitative:
            order.append(node)
        for user in users[node.id]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, position[user])
    if any(waiting.values()):  # a validated bid has none
        msg = "the logic model has a cycle"
        raise ValueError(msg)
    return order


def ancestors(uses: Mapping[str, Iterable[str]], node: str) -> set[str]:
    """Return every node ``node`` depends on, directly or through others.

    Parameters
    ----------
    uses : mapping of str to iterable of str
        The nodes each node uses directly (a node missing uses none).
    node : str

    Examples
    --------
    >>> sorted(ancestors({"c": ["b"], "b": ["a"], "y": ["x"]}, "c"))
    ['a', 'b']
    """
    found: set[str] = set()
    stack = list(uses.get(node, ()))
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(uses.get(current, ()))
    found.discard(node)
    return found


def find_cycles(
    edges: Iterable[tuple[str, str]], position: Mapping[str, int]
) -> list[list[str]]:
    """Return one cycle for each group of nodes that depend on each other.

    Parameters
    ----------
    edges : iterable of (str, str)
        Dependency edges ``u -> v`` (``v`` uses ``u``).
    position : mapping of str to int
        Document position of each node; each cycle starts at its earliest node.

    Returns
    -------
    list of list of str
        Each cycle as its nodes in order, the first repeated at the end.

    Examples
    --------
    >>> find_cycles([("a", "b"), ("b", "a"), ("b", "c")], {"a": 0, "b": 1, "c": 2})
    [['a', 'b', 'a']]
    >>> find_cycles([("x", "x")], {"x": 0})
    [['x', 'x']]
    """
    edges = list(edges)
    if not _has_cycle(edges):
        return []
    import networkx as nx

    graph = nx.DiGraph(edges)
    cycles: list[list[str]] = []
    for component in nx.strongly_connected_components(graph):
        first = min(component, key=lambda node: position.get(node, len(position)))
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        cycle_edges: Any = nx.find_cycle(graph.subgraph(component), source=first)
        path = [edge[0] for edge in cycle_edges]
        start = path.index(min(path, key=lambda node: position.get(node, len(position))))
        path = path[start:] + path[:start]
        cycles.append([*path, path[0]])
    cycles.sort(key=lambda cycle: position.get(cycle[0], len(position)))
    return cycles


def _has_cycle(edges: list[tuple[str, str]]) -> bool:
    """Whether the directed graph of these edges has a cycle (Kahn's algorithm)."""
    users: dict[str, list[str]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    for upstream, downstream in edges:
        users[upstream].append(downstream)
        waiting[downstream] += 1
        waiting.setdefault(upstream, 0)
    ready = [node for node, count in waiting.items() if count == 0]
    placed = 0
    while ready:
        node = ready.pop()
        placed += 1
        for user in users[node]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return placed < len(waiting)
