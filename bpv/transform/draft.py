"""Transforming a bid into another valid bid: the one mechanism behind scenarios and policies.

A :class:`Draft` holds a bid as plain data (the file form) and offers the
few edits that scenarios (:mod:`bpv.scenarios`) and settings adjustments
(:mod:`bpv.transform.adjustments`) are made of: multiply parameters wherever they are
used, multiply whole node formulas, move and stretch activities, scale
success probabilities. :meth:`Draft.build` validates the result as an
ordinary :class:`~bpv.spec.bid.Bid`, so a transformed bid is checked exactly
as a file is, and formulas stay readable.

Random streams are keyed by parameter name (:mod:`bpv.sampling.streams`),
so every edit keeps names: a scaled parameter is drawn on its own stream and
multiplied in the formulas that use it, and the base and transformed bids see
the same draws (common random numbers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from bpv.errors import BidValidationError, UnknownNameError
from bpv.formulas.rewrite import multiply, number, scale_names
from bpv.spec.bid import Bid
from bpv.spec.distributions import Fixed
from bpv.spec.graph import ancestors
from bpv.spec.locations import problems_from_validation_error
from bpv.spec.parameter import Parameter

__all__ = ["Draft"]


class Draft:
    """A bid being transformed, as mutable plain data.

    Parameters
    ----------
    bid : Bid
        The bid to start from; never modified.
    """

    def __init__(self, bid: Bid) -> None:
        self.bid = bid
        self.data: dict[str, Any] = bid.to_dict()
        self.data.setdefault("parameters", {})
        self._graph = _value_graph(bid)

    # -- reading --------------------------------------------------------------------------

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters, by name, in the file form."""
        parameters: dict[str, Any] = self.data["parameters"]
        return parameters

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """The nodes, in the file form."""
        nodes: list[dict[str, Any]] = self.data["nodes"]
        return nodes

    def node(self, node_id: str) -> dict[str, Any]:
        """Return a node's data (to edit in place)."""
        for node in self.nodes:
            if node["id"] == node_id:
                return node
        msg = f"no node '{node_id}'"
        raise UnknownNameError(msg)

    def parameter(self, name: str) -> Parameter:
        """Return a parameter as it now stands, validated."""
        return Parameter.model_validate(self.parameters[name])

    def unused_name(self, stem: str) -> str:
        """Return ``stem``, or ``stem_2``, ``stem_3``…: a name no parameter or node has."""
        taken = set(self.parameters) | {node["id"] for node in self.nodes}
        name, count = stem, 1
        while name in taken:
            count += 1
            name = f"{stem}_{count}"
        return name

    def first_of_their_kind(self, node_ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """Split nodes into those to adjust and those that inherit an adjustment.

        A node whose value is computed from another node of the same set
        (directly or through other nodes) already carries that node's
        adjustment; adjusting it again would count it twice.

        Returns
        -------
        (adjusted, inherited) : (list of str, list of str)
            In document order.
        """
        chosen = set(node_ids)
        adjusted, inherited = [], []
        for node in self.bid.nodes:
            if node.id not in chosen:
                continue
            if ancestors(self._graph, node.id) & chosen:
                inherited.append(node.id)
            else:
                adjusted.append(node.id)
        return adjusted, inherited

    # -- editing --------------------------------------------------------------------------

    def multiply_nodes(self, node_ids: Iterable[str], factor: str) -> None:
        """Multiply each node's formula by ``factor`` (formula text)."""
        for node_id in node_ids:
            node = self.node(node_id)
            node["formula"] = multiply(node["formula"], factor)

    def scale_parameter(self, name: str, factor: float, gate_stem: str) -> list[str]:
        """Multiply a parameter by ``factor`` wherever the bid uses it.

        A fixed parameter's value is multiplied. An uncertain one keeps its
        distribution and stream: formulas use ``(name * factor)``, and an
        activity whose success probability it is gets an independent
        Bernoulli(``factor``) gate (``factor`` must then be at most 1), so
        that it succeeds with probability ``factor`` times the parameter's
        draw.

        Returns
        -------
        list of str
            Words on anything done besides the rewriting of formulas.
        """
        notes: list[str] = []
        parameter = self.parameter(name)
        if isinstance(parameter.distribution, Fixed):
            data = parameter.model_dump(mode="json", by_alias=True, exclude_unset=True)
            data["value"] = parameter.distribution.value * factor
            self.parameters[name] = data
            return notes
        text = number(factor)
        for node in self.nodes:
            if node.get("formula") is not None:
                node["formula"] = scale_names(node["formula"], {name: text})
            if node.get("success") == name:
                notes.append(self.scale_success(node["id"], factor, gate_stem))
        return notes

    def scale_success(self, activity: str, factor: float, gate_stem: str) -> str:
        """Multiply an activity's success probability by ``factor``.

        A number (or a fixed parameter) is multiplied in place, so the
        activity keeps its own gate: it fails in every draw where it failed
        before (when ``factor <= 1``). A probability drawn from an uncertain
        parameter gets a second, independent gate, a Bernoulli(``factor``)
        parameter multiplied into the activity's formula.

        Returns
        -------
        str
            What was done, in words.
        """
        node = self.node(activity)
        success = node.get("success")
        if success is None or not isinstance(success, str):
            value = 1.0 if success is None else float(success)
            node["success"] = value * factor
            return f"activity '{activity}' succeeds with probability {value * factor:g}"
        parameter = self.parameter(success)
        if isinstance(parameter.distribution, Fixed):
            value = parameter.distribution.value * factor
            node["success"] = value
            return f"activity '{activity}' succeeds with probability {value:g}"
        gate = self.unused_name(f"{gate_stem}_{activity}")
        self.parameters[gate] = {"dist": "bernoulli", "p": factor,
                                 "description": f"gate scaling the success probability of "
                                                f"'{activity}' by {factor:g}"}
        formula = node.get("formula")
        node["formula"] = gate if formula is None else multiply(formula, gate)
        node.pop("depends_on", None)  # a node with a formula is linked by its references
        return (f"activity '{activity}' succeeds with probability {factor:g} × '{success}' "
                f"(a second, independent gate '{gate}')")

    def delay(self, activity: str, periods: float) -> str:
        """Start an activity ``periods`` later; past the horizon it delivers nothing."""
        node = self.node(activity)
        start = (node.get("start") or 0) + periods
        return self._set_start(node, start, node.get("ramp"))

    def stretch(self, activity: str, factor: float) -> str:
        """Stretch an activity's timeline: ``start`` and its ramp times ``factor``.

        The period-end value of period ``t`` becomes the planned value at
        time ``(t + 1) / factor``: every milestone of delivery comes
        ``factor`` times later. A ramp of 0 counts as 1 (full effect by the
        end of the first period).
        """
        node = self.node(activity)
        start = (node.get("start") or 0) * factor
        ramp = max(node.get("ramp") or 0, 1) * factor
        return self._set_start(node, start, ramp)

    def _set_start(self, node: dict[str, Any], start: float, ramp: float | None) -> str:
        horizon: int = self.data["horizon"]
        activity = node["id"]
        if start >= horizon:
            # Exactly what a start past the horizon means, whatever its gate.
            formula = node.get("formula")
            node["formula"] = "0" if formula is None else multiply(formula, "0")
            node.pop("depends_on", None)
            return (f"activity '{activity}' would start in period {start:.4g}, past the "
                    f"horizon (periods 0 to {horizon - 1}), so it delivers nothing "
                    "(its formula × 0)")
        node["start"] = _tidy(start)
        if ramp is not None:
            node["ramp"] = _tidy(ramp)
        ramp_words = "" if ramp is None else f", ramp {_tidy(ramp):g}"
        return f"activity '{activity}' starts in period {_tidy(start):g}{ramp_words}"

    def replace_parameter(self, name: str, replacement: Parameter) -> list[str]:
        """Give a parameter a new distribution, keeping its name and metadata.

        A parameter made fixed leaves the correlations (a fixed value cannot
        be correlated).
        """
        old = self.parameters[name]
        new = replacement.model_dump(mode="json", by_alias=True, exclude_unset=True)
        metadata = {key: value for key, value in (old if isinstance(old, dict) else {}).items()
                    if key in Parameter.allowed_keys() and key != "dist"}
        self.parameters[name] = {**new, **{k: v for k, v in metadata.items() if k not in new}}
        if isinstance(replacement.distribution, Fixed):
            return self._uncorrelate(name)
        return []

    def _uncorrelate(self, name: str) -> list[str]:
        correlations = self.data.get("correlations")
        if not correlations:
            return []
        if correlations.get("pairs") is not None:
            pairs = [pair for pair in correlations["pairs"] if name not in pair["between"]]
            if len(pairs) == len(correlations["pairs"]):
                return []
            correlations["pairs"] = pairs
            if not pairs:
                del self.data["correlations"]
        else:
            names = list(correlations["parameters"])
            if name not in names:
                return []
            keep = [i for i, other in enumerate(names) if other != name]
            correlations["parameters"] = [names[i] for i in keep]
            correlations["matrix"] = [[correlations["matrix"][i][j] for j in keep] for i in keep]
            if len(keep) < 2:
                del self.data["correlations"]
        return [f"'{name}' is fixed now, so it is no longer correlated with anything"]

    # -- result ---------------------------------------------------------------------------

    def build(self, what: str) -> Bid:
        """Validate the draft as a bid.

        Parameters
        ----------
        what : str
            What made it, for messages (``"scenario 'late'"``).

        Raises
        ------
        BidValidationError
            If the transformed bid is not valid, with every problem.
        """
        try:
            return Bid.model_validate(self.data)
        except ValidationError as exc:
            raise BidValidationError(problems_from_validation_error(exc),
                                     source=f"the bid changed by {what}") from None


def _value_graph(bid: Bid) -> dict[str, set[str]]:
    """Which nodes each node's value is computed from (formula references only)."""
    ids = set(bid.node_ids)
    return {node.id: {name for name in node.compiled.names if name in ids}
            for node in bid.nodes if node.compiled is not None}


def _tidy(value: float) -> int | float:
    """Return a whole number as an int, anything else rounded to 12 significant digits."""
    rounded = float(number(value))
    return int(rounded) if rounded.is_integer() else rounded
