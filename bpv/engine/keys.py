"""The keys of an appraisal's outputs: one typed key shared by engine, ledger and kernel.

Every quantity the engine keeps per draw, and every quantity whose exact
moments it keeps, is named by an :class:`OutputKey`: what kind of quantity it
is, its name (a metric, a node or an input), its scope (the system or an
organisation) and, for one period of a metric node, the period.

Examples
--------
>>> OutputKey("metric", "npv", scope="acute")
OutputKey(kind='metric', name='npv', scope='acute', period=None)
>>> OutputKey("node", "admissions", period=0).period
0
"""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["SYSTEM", "OutputKey", "OutputKind"]

#: The scope of the whole system, as opposed to one organisation's.
SYSTEM = "system"

#: What an output is:
#:
#: - ``"metric"``: a metric (``npv``, ``roi``, …) of a scope;
#: - ``"above_zero"``: whether a scope's metric is above zero (1 or 0), for P(metric > 0);
#: - ``"node"``: a metric node's values, one period (``period``) or all of them (None);
#: - ``"node_total"``: a metric node's total over the periods;
#: - ``"base"``: a base vector of the ledger: of every scope, one row each (the names
#:   of :data:`~bpv.engine.ledger.SCOPE_BASE`), or the system's ``"qalys"``;
#: - ``"flow"``: a node's values by period (``keep_flows``);
#: - ``"input"``: an uncertain input's values (``keep_inputs``);
#: - ``"cash"``: the net cash flows by period of every scope.
OutputKind = Literal["metric", "above_zero", "node", "node_total", "base", "flow", "input",
                     "cash"]


class OutputKey(NamedTuple):
    """The name of one output of an appraisal.

    Attributes
    ----------
    kind : OutputKind
    name : str
        A metric, a node id, an input name or a base vector.
    scope : str, default ``"system"``
        The system or an organisation's id (metrics and ``above_zero``).
    period : int or None, default None
        One period of a metric node (``kind="node"``); None for all of them.
    """

    kind: OutputKind
    name: str
    scope: str = SYSTEM
    period: int | None = None
