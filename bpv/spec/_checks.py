"""Checks that span a whole bid: names, references, kind order, cycles, organisations.

They run on a lenient outline of the bid, so that they still report what they
can when some fields failed their own validation: a file's problems are found
all at once. Each check looks after one concern and returns its problems;
:func:`outline_problems` runs them in the order a reader meets the file.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bpv.errors import FormulaError, did_you_mean
from bpv.formulas.compiler import RESERVED_NAMES, parse_formula
from bpv.spec._base import MAX_ID_LENGTH
from bpv.spec._names import name_problem
from bpv.spec.graph import KIND_RANK, ancestors, find_cycles
from bpv.spec.node import article
from bpv.spec.policies import policy_problems
from bpv.spec.scenario import NodeFacts, readable_changes, scenario_problems
from bpv.spec.tracking import LEDGER_KEYS, financial_year, split_series_key, year_label

__all__ = ["outline_problems"]

Location = tuple[str | int, ...]
ProblemTuple = tuple[Location, str, Any]
Edge = tuple[str, str]


@dataclass(frozen=True, kw_only=True)
class _NodeOutline:
    """What the checks read of one node, each field None (or empty) when unreadable."""

    index: int
    id: str | None
    kind: str | None
    formula_names: frozenset[str]
    #: The formula calls lag (a node that lags itself is still a cycle).
    lags: bool
    formula_ok: bool
    computed: bool
    organisation: str | None
    success: str | None
    depends_on: tuple[str, ...]
    start: float | None


@dataclass(frozen=True, kw_only=True)
class _BidOutline:
    """What the checks read of a bid: its names, its nodes and the links between them."""

    parameters: Mapping[str, Any]
    raw_nodes: Any
    nodes: list[_NodeOutline]
    organisations: list[Any]
    horizon: Any
    #: The first node of each id (a later one with the same id is a duplicate).
    by_id: dict[str, _NodeOutline]
    #: (upstream, downstream) for every formula name and depends_on that resolves.
    edges: list[Edge]

    @property
    def known_organisations(self) -> list[str]:
        return [org for org in self.organisations if isinstance(org, str)]

    @property
    def position(self) -> dict[str, int]:
        """The index in ``nodes`` of each node id."""
        return {node_id: node.index for node_id, node in self.by_id.items()}


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _text(obj: Any, key: str) -> str | None:
    """Return the text at ``key``, or None when it is missing or of any other shape.

    The outline reads raw data that failed validation: a value may be a
    mapping, a list or a number where text belongs, or text too long to be an
    id. Its own field reports that; the checks here skip it.
    """
    value = _get(obj, key)
    return value if isinstance(value, str) and len(value) <= MAX_ID_LENGTH else None


def _number(obj: Any, key: str) -> float | None:
    """Return the finite number at ``key`` (not a boolean), or None."""
    value = _get(obj, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer past the range of a float
        return None
    return number if math.isfinite(number) else None


def _outline_node(index: int, raw: Any) -> _NodeOutline:
    kind = _text(raw, "kind")
    formula = _get(raw, "formula")
    names: frozenset[str] = frozenset()
    lags = False
    formula_ok = formula is None or isinstance(formula, str)
    if isinstance(formula, str):
        try:
            parsed = parse_formula(formula)
        except FormulaError:
            formula_ok = False
        else:
            names, lags = parsed.names, "lag" in parsed.functions
    depends_on = _get(raw, "depends_on")
    return _NodeOutline(
        index=index,
        id=_text(raw, "id"),
        kind=kind if kind in KIND_RANK else None,
        formula_names=names,
        lags=lags,
        formula_ok=formula_ok,
        computed=formula is not None or kind == "activity",
        organisation=_text(raw, "organisation"),
        success=_text(raw, "success"),
        depends_on=tuple(d for d in depends_on if isinstance(d, str))
        if isinstance(depends_on, list | tuple) else (),
        start=_number(raw, "start"),
    )


def _outline(data: Any) -> _BidOutline:
    raw_parameters = _get(data, "parameters")
    # A key that is not text (``1: ...``) is reported by the field itself.
    parameters: Mapping[str, Any] = {
        name: parameter for name, parameter in raw_parameters.items() if isinstance(name, str)
    } if isinstance(raw_parameters, Mapping) else {}
    raw_nodes = _get(data, "nodes")
    nodes = [_outline_node(i, raw) for i, raw in enumerate(raw_nodes)] \
        if isinstance(raw_nodes, list | tuple) else []
    raw_organisations = _get(data, "organisations")
    organisations = [_text(org, "id") for org in raw_organisations] \
        if isinstance(raw_organisations, list | tuple) else []
    by_id: dict[str, _NodeOutline] = {}
    for node in nodes:
        if node.id is not None:
            by_id.setdefault(node.id, node)
    return _BidOutline(parameters=parameters, raw_nodes=raw_nodes, nodes=nodes,
                       organisations=organisations, horizon=_get(data, "horizon"), by_id=by_id,
                       edges=_edges(nodes, by_id, parameters))


def _edges(nodes: list[_NodeOutline], by_id: Mapping[str, _NodeOutline],
           parameters: Mapping[str, Any]) -> list[Edge]:
    """Return the links of the logic model: formula names (sorted), then depends_on, by node."""
    edges: list[Edge] = []
    for node in nodes:
        if node.id is None:
            continue
        edges += [(name, node.id) for name in sorted(node.formula_names)
                  if name not in parameters and name in by_id and by_id[name].computed]
        edges += [(name, node.id) for name in node.depends_on if name in by_id]
    return edges


def outline_problems(data: Any) -> list[ProblemTuple]:
    """Return the problems that span fields of a bid.

    Parameters
    ----------
    data : Bid or mapping
        A validated bid, or the raw data of one that failed field validation
        (then whatever is readable is checked).

    Returns
    -------
    list of (location, message, input)
        Empty when the bid hangs together.
    """
    bid = _outline(data)
    problems: list[ProblemTuple] = []
    problems += _name_problems(bid.parameters)
    problems += _duplicate_problems("organisations", "organisation id", bid.organisations)
    problems += _node_id_problems(bid)
    references: list[ProblemTuple] = []
    for node in bid.nodes:
        references += _reference_problems(node, bid)
    problems += references
    # Whether an outcome traces back to an input is only worth saying of a graph
    # that is otherwise whole: a broken formula or a bad reference already
    # explains a missing link, and saying it again downstream is noise.
    links_whole = all(node.formula_ok for node in bid.nodes) and not any(
        loc[-1] in {"formula", "depends_on"} for loc, _, _ in references)
    problems += _graph_problems(bid, links_whole=links_whole)
    problems += _correlation_problems(_get(data, "correlations"), bid.parameters)
    problems += policy_problems(_get(data, "settings"), bid.parameters, bid.position)
    problems += _scenario_problems(_get(data, "scenarios"), bid.parameters, bid.raw_nodes)
    problems += _supports_problems(bid)
    problems += _tracking_problems(_get(data, "tracking"), bid, _get(data, "start_year"))
    return problems


# -- names and ids ------------------------------------------------------------------------


def _name_problems(parameters: Mapping[str, Any]) -> list[ProblemTuple]:
    problems: list[ProblemTuple] = []
    for name in parameters:
        problem = name_problem(str(name), RESERVED_NAMES)
        if problem:
            problems.append((("parameters", name), problem, name))
    return problems


def _duplicate_problems(field: str, what: str, ids: list[Any]) -> list[ProblemTuple]:
    seen: dict[Any, int] = {}
    problems: list[ProblemTuple] = []
    for index, item in enumerate(ids):
        if not isinstance(item, str):
            continue
        if item in seen:
            problems.append(((field, index, "id"), f"duplicate {what} '{item}' "
                             f"(first used by {field}[{seen[item]}])", item))
        else:
            seen[item] = index
    return problems


def _node_id_problems(bid: _BidOutline) -> list[ProblemTuple]:
    """Check that a node id is used once, and is not also a parameter's name."""
    problems: list[ProblemTuple] = []
    for node in bid.nodes:
        if node.id is None:
            continue
        first = bid.by_id[node.id]
        if first is not node:
            problems.append((("nodes", node.index, "id"), f"duplicate node id '{node.id}' "
                             f"(first used by nodes[{first.index}])", node.id))
        elif node.id in bid.parameters:
            problems.append((("nodes", node.index, "id"), f"'{node.id}' is both a node id and "
                             "a parameter name; formulas need each name to mean one thing",
                             node.id))
    return problems


# -- what a node refers to ----------------------------------------------------------------


def _reference_problems(node: _NodeOutline, bid: _BidOutline) -> list[ProblemTuple]:
    """Check that what a node names exists and fits, and that it starts within the horizon."""
    loc: Location = ("nodes", node.index)
    problems = _organisation_problems(loc, node, bid)
    problems += _formula_problems(loc, node, bid)
    problems += _depends_on_problems(loc, node, bid)
    if node.success is not None:
        problems += _success_problems(loc, node.success, bid.parameters, bid.by_id)
    problems += _start_problems(loc, node, bid)
    return problems


def _organisation_problems(loc: Location, node: _NodeOutline,
                           bid: _BidOutline) -> list[ProblemTuple]:
    known = bid.known_organisations
    if node.organisation is None or node.organisation in known:
        return []
    return [((*loc, "organisation"), f"unknown organisation '{node.organisation}'"
             f"{did_you_mean(node.organisation, known)}; "
             f"organisations are: {', '.join(known) or 'none'}", node.organisation)]


def _formula_problems(loc: Location, node: _NodeOutline, bid: _BidOutline) -> list[ProblemTuple]:
    known_names = [*bid.parameters, *bid.by_id]
    problems: list[ProblemTuple] = []
    for name in sorted(node.formula_names):
        if name in bid.parameters:
            continue
        if name not in bid.by_id:
            hint = did_you_mean(name, known_names) or _misspelt_definition(name, bid)
            problems.append(((*loc, "formula"), f"unknown name '{name}'{hint}", name))
        elif not bid.by_id[name].computed:
            problems.append(((*loc, "formula"), f"'{name}' is a qualitative node (it has "
                             "no formula), so no formula can use its value", name))
    return problems


def _misspelt_definition(name: str, bid: _BidOutline) -> str:
    """Suggest a parameter no node uses, close to an unknown name: its definition's typo.

    ``" (did you mean 'los' (defined as 'lso')?)"``, asked when no name is
    close enough for :func:`~bpv.errors.did_you_mean`: closeness is looser
    here (the same letters in another order count), as a parameter nothing
    uses is probably the one meant.
    """
    used = {used_name for node in bid.nodes for used_name in node.formula_names}
    used |= {node.success for node in bid.nodes if node.success is not None}
    unused = [parameter for parameter in bid.parameters if parameter not in used]
    same_letters = [parameter for parameter in unused if sorted(parameter) == sorted(name)]
    close = same_letters or difflib.get_close_matches(name, unused, n=1, cutoff=0.6)
    return f" (did you mean '{name}' (defined as '{close[0]}')?)" if close else ""


def _depends_on_problems(loc: Location, node: _NodeOutline,
                         bid: _BidOutline) -> list[ProblemTuple]:
    return [((*loc, "depends_on"), f"unknown node '{name}'{did_you_mean(name, bid.by_id)}", name)
            for name in node.depends_on if name not in bid.by_id]


def _success_problems(
    loc: Location, name: str, parameters: Mapping[str, Any], by_id: Mapping[str, _NodeOutline]
) -> list[ProblemTuple]:
    if name in by_id:
        return [((*loc, "success"), f"success names node '{name}'; it must be a probability "
                 "or the name of a parameter", name)]
    if name not in parameters:
        return [((*loc, "success"), f"unknown parameter '{name}'"
                 f"{did_you_mean(name, parameters)}", name)]
    distribution = _get(parameters[name], "distribution")
    if distribution is None or not hasattr(distribution, "support"):
        return []
    low, high = distribution.support()
    if low < 0 or high > 1:
        return [((*loc, "success"), f"parameter '{name}' can take values outside [0, 1] "
                 f"(its support is [{low:g}, {high:g}]); a probability of success needs "
                 "a distribution on [0, 1] such as beta or bernoulli", name)]
    return []


def _start_problems(loc: Location, node: _NodeOutline, bid: _BidOutline) -> list[ProblemTuple]:
    horizon = bid.horizon
    if node.start is None or not isinstance(horizon, int) or isinstance(horizon, bool) \
            or node.start < horizon:
        return []
    return [((*loc, "start"), f"the activity starts in period {node.start:g} "
             f"but the horizon has periods 0 to {horizon - 1}", node.start)]


def _supports_problems(bid: _BidOutline) -> list[ProblemTuple]:
    """Check that a parameter's ``supports`` names a node of the bid."""
    problems: list[ProblemTuple] = []
    for name, parameter in bid.parameters.items():
        supports = _get(parameter, "supports")
        if isinstance(supports, str) and supports not in bid.by_id:
            problems.append((("parameters", name, "supports"), f"unknown node '{supports}'"
                             f"{did_you_mean(supports, bid.by_id)}", supports))
    return problems


# -- the logic model as a graph -------------------------------------------------------------


def _graph_problems(bid: _BidOutline, *, links_whole: bool) -> list[ProblemTuple]:
    """Kind order and cycles; then, if the links are whole and acyclic, what fails to trace."""
    problems = _kind_order_problems(bid.edges, bid.by_id)
    position = bid.position
    cycles = find_cycles(bid.edges, position)
    problems += [(("nodes", position[cycle[0]]), "cycle: " + " -> ".join(cycle)
                  + (_LAG_CYCLE if any(bid.by_id[node_id].lags for node_id in cycle) else ""),
                  None)
                 for cycle in cycles]
    if links_whole and not cycles:
        problems += _trace_problems(bid.edges, bid.by_id)
    return problems


#: Said of a cycle through a node that calls lag: lag(x, k) uses x as any name does.
_LAG_CYCLE = ("; lag(x, k) still uses x, so a node cannot lag its own value: write a stock "
              "as the running total of its flows, cumulative(inflow) - cumulative(outflow)")


def _kind_order_problems(
    edges: list[Edge], by_id: Mapping[str, _NodeOutline]
) -> list[ProblemTuple]:
    problems: list[ProblemTuple] = []
    for upstream, downstream in edges:
        up, down = by_id[upstream], by_id[downstream]
        if up.kind is None or down.kind is None:
            continue
        if KIND_RANK[up.kind] > KIND_RANK[down.kind]:
            problems.append(((("nodes", down.index)), f"{article(down.kind)} {down.kind} "
                             "may not depend on "
                             f"{up.kind} '{upstream}'; the chain runs input -> activity -> "
                             "output -> outcome -> impact", upstream))
    return problems


def _trace_problems(
    edges: list[Edge], by_id: Mapping[str, _NodeOutline]
) -> list[ProblemTuple]:
    uses: dict[str, list[str]] = {}
    for upstream, downstream in edges:
        uses.setdefault(downstream, []).append(upstream)
    untraced = {
        node_id for node_id, node in by_id.items()
        if node.kind in {"outcome", "impact"}
        and not {by_id[a].kind for a in ancestors(uses, node_id)} & {"input", "activity"}
    }
    problems: list[ProblemTuple] = []
    for node_id, node in by_id.items():
        # Report where the chain breaks, not every node downstream of the break.
        if node_id in untraced and not ancestors(uses, node_id) & untraced:
            problems.append((("nodes", node.index), f"{node.kind} '{node_id}' does not trace "
                             "back to any input or activity; refer to the nodes that lead to it "
                             "(in its formula, or depends_on for a qualitative node)", node_id))
    return problems


# -- other sections that name parameters and nodes -------------------------------------------


def _scenario_problems(scenarios: Any, parameters: Mapping[str, Any],
                       raw_nodes: Any) -> list[ProblemTuple]:
    """Names in scenarios must be parameters and activities of the bid."""
    if not isinstance(scenarios, Mapping) or not scenarios:
        return []
    facts: dict[str, NodeFacts] = {}
    for raw in raw_nodes if isinstance(raw_nodes, list | tuple) else ():
        node_id = _text(raw, "id")
        if node_id is not None and node_id not in facts:
            facts[node_id] = NodeFacts(kind=_text(raw, "kind"), success=_get(raw, "success"),
                                       measure=_text(raw, "measure"),
                                       cost_type=_text(raw, "cost_type"))
    problems: list[ProblemTuple] = []
    for name, raw_scenario in scenarios.items():
        # Changes that failed their own checks are reported where they failed.
        problems += scenario_problems(str(name), readable_changes(raw_scenario), parameters,
                                      facts, ("scenarios", name))
    return problems


def _correlation_problems(correlations: Any, parameters: Mapping[str, Any]) -> list[ProblemTuple]:
    """Names in ``correlations`` must be uncertain parameters of the bid."""
    if correlations is None or not hasattr(correlations, "name_locations"):
        return []
    problems: list[ProblemTuple] = []
    for location, name in correlations.name_locations():
        loc: Location = ("correlations", *location)
        if name not in parameters:
            problems.append((loc, f"unknown parameter '{name}'{did_you_mean(name, parameters)}",
                             name))
            continue
        distribution = _get(parameters[name], "distribution")
        if _get(distribution, "dist") == "fixed":
            problems.append((loc, f"parameter '{name}' is fixed, so it cannot be correlated "
                             "with anything; give it a distribution or drop it here", name))
    return problems


def _tracking_problems(tracking: Any, bid: _BidOutline, start_year: Any) -> list[ProblemTuple]:
    """Keys of ``tracking:`` name computed nodes or organisations' money; targets the horizon."""
    if not isinstance(tracking, Mapping) or not tracking:
        return []
    problems: list[ProblemTuple] = []
    for key, entry in tracking.items():
        if not isinstance(key, str):
            continue
        loc: Location = ("tracking", key)
        problem = _series_key_problem(key, bid)
        if problem:
            problems.append((loc, problem, key))
        targets = _get(entry, "targets")
        if not isinstance(targets, Mapping) or not targets:
            continue
        if key in LEDGER_KEYS and key not in bid.by_id:
            problems.append(((*loc, "targets"), f"'{key}' sets how every organisation's {key} "
                             "are tracked; give targets for one organisation's, under "
                             f"'{key}.<organisation>'", key))
            continue
        problems += _target_year_problems(targets, (*loc, "targets"), start_year, bid.horizon)
    return problems


def _series_key_problem(key: str, bid: _BidOutline) -> str | None:
    head, organisation = split_series_key(key)
    if organisation is not None:
        if head not in LEDGER_KEYS:
            return (f"unknown series '{key}': only {' and '.join(LEDGER_KEYS)} take an "
                    "organisation ('costs.community'); a node is named by its id alone")
        if organisation not in bid.known_organisations:
            return (f"unknown organisation '{organisation}'"
                    f"{did_you_mean(organisation, bid.known_organisations)}")
        return None
    if key in bid.by_id:
        if not bid.by_id[key].computed:
            return f"node '{key}' is qualitative (no formula): it has no values to track"
        return None
    if key in LEDGER_KEYS:
        return None
    return (f"unknown node '{key}'{did_you_mean(key, [*bid.by_id, *LEDGER_KEYS])}; a key is a "
            "node id, costs, savings, costs.<organisation> or savings.<organisation>")


def _target_year_problems(targets: Mapping[Any, Any], loc: Location, start_year: Any,
                          horizon: Any) -> list[ProblemTuple]:
    if isinstance(start_year, bool) or not isinstance(start_year, int) \
            or isinstance(horizon, bool) or not isinstance(horizon, int):
        return []
    first, last = year_label(start_year), year_label(start_year + horizon - 1)
    problems: list[ProblemTuple] = []
    for label in targets:
        year = financial_year(label) if isinstance(label, str) else None
        if year is not None and not start_year <= year < start_year + horizon:
            problems.append(((*loc, label), f"{label} is outside the bid's horizon, "
                             f"{first} to {last}", label))
    return problems
