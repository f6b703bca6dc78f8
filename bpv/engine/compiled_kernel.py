"""The compiled kernel: a bid's nodes and ledger fused into one loop over draws (numba).

The numpy engine evaluates each node as whole-array operations on a slice of
draws: fast, but every operation is a pass over memory and a call through
Python, which holds the GIL between calls. With ``kernel="compiled"``
(:func:`bpv.appraise`), the bid is instead written out as one function that
walks the draws one at a time — parameters in, every node's value period by
period, straight into the ledger's sums — and compiled to machine code by
numba, which releases the GIL for the whole slice, so threads scale.

How the function is written
---------------------------
From each formula's checked syntax tree (:mod:`bpv.formulas`), never from
its text: every operation becomes one assignment to a temporary, names
become indices (``p3`` is the fourth parameter, ``v5`` the sixth node in
evaluation order), and a part made only of numbers is worked out first
exactly as the numpy engine works it out. What does not change from period
to period — a node whose formula uses neither ``t`` nor any node that does,
and any such part of a formula — is computed once per draw, before the loop
over periods; ``x ** t`` of such an ``x`` is a running product, as
:func:`bpv.formulas` computes it. ``cumulative(x)`` is a running total per
draw and ``lag(x, k)`` reads ``x`` from an array of its values by period,
written ``k`` periods before: both vary by period, and add in the numpy
kernel's order.

What agrees with the numpy kernel
---------------------------------
The draws are the same to the bit: the same generators, turned into values
by the same arithmetic, compiled (:mod:`bpv.sampling.compiled`). Results agree to
rounding: additions happen in a different order (a present value is summed
period by period rather than by a matrix product), and ``exp``, ``log`` and
``**`` come from the C library rather than numpy's own routines, so values
differ in their last bits — about 1e-15 relative, well under any Monte Carlo
error. Each kernel on its own is reproducible to the bit, whatever the chunk
size, executor or number of workers. Each draw keeps the largest size of the
ledger's amounts, and whether any is not finite: a slice with an amount that
is not finite or past :data:`~bpv.engine.ledger.MAX_AMOUNT` is evaluated again
by the numpy kernel, which names the parameter, node or sum, and the draw.

Compiling takes 1–3.5 s per bid the first time on a machine. The kernel is
then kept on disk (:mod:`bpv._utils.kernel_cache`; ``$BPV_CACHE_DIR`` chooses
where, an empty value turns it off), so a later process loads it in about
0.3 s, and it is kept in memory for the rest of the process (by the
function's source).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpv._utils.kernel_cache import import_source, jit
from bpv._utils.scratch import scratch
from bpv.engine.keys import OutputKey
from bpv.engine.ledger import CASH_PARTS, MAX_AMOUNT, SCOPE_BASE, LedgerPlan, LedgerSlice
from bpv.engine.moments import Moments
from bpv.errors import SpecError
from bpv.formulas.numba_source import ScalarWriter
from bpv.spec.bid import Bid
from bpv.spec.node import Node

__all__ = [
    "DERIVED_SOURCE", "CompiledModel", "available", "derived_source", "kernel_source",
    "parameter_rows",
    "row_moments",
]

#: The base vectors the kernel writes, in this order, for every scope (payback apart).
_PRESENT_VALUES = tuple(name for name in SCOPE_BASE if name != "payback")



def available() -> bool:
    """Return whether the compiled kernel can run: numba is installed.

    Install it with ``pip install 'bpv[compiled]'``.
    """
    return importlib.util.find_spec("numba") is not None


def _require_numba() -> None:
    if not available():
        msg = ("kernel='compiled' needs numba, which is not installed; install it with "
               "pip install 'bpv[compiled]', or use kernel='numpy'")
        raise SpecError(msg)


# -- writing the source ----------------------------------------------------------------


def _signed_sum(weights: NDArray[np.float64], atoms: Sequence[str]) -> str:
    """``weights @ atoms`` for one row of 0/±1 weights, in the numpy ledger's order."""
    expression = "0.0"
    for column in map(int, np.flatnonzero(weights)):
        expression = f"({expression} {'+' if weights[column] > 0 else '-'} {atoms[column]})"
    return expression


#: The metrics :mod:`bpv.engine.ledger` derives from base quantities, as scalar expressions
#: with the same operations in the same order (tested against ``ledger.derive``).
DERIVED_SOURCE: Mapping[str, str] = {
    "npv": "{benefit_pv} - {cost_pv}",
    "roi": "np.nan if {outlay} == 0.0 else ({benefit_pv} - {cost_pv}) / {outlay}",
    "bcr": "np.nan if {outlay} == 0.0 else ({benefit_pv} + {paid}) / {outlay}",
    "cash_roi": "np.nan if {outlay} == 0.0 else ({cash_releasing_pv} - {cost_pv}) / {outlay}",
    "nmb": "{qaly_value} * {qalys} + {benefit_pv} - {cost_pv}",
}


def derived_source(name: str, atoms: Mapping[str, str], qaly_value: float) -> str:
    """Return a derived metric's scalar expression in the kernel's names of its base quantities.

    The outlay of :func:`~bpv.engine.ledger.outlay` is written out: the costs
    and the income paid out, ``max(-income_pv, 0)``.

    Examples
    --------
    >>> derived_source("roi", {"cost_pv": "c", "benefit_pv": "b", "income_pv": "i"}, 1.0)
    'np.nan if (c + max(-i, 0.0)) == 0.0 else (b - c) / (c + max(-i, 0.0))'
    """
    paid = f"max(-{atoms['income_pv']}, 0.0)"
    return DERIVED_SOURCE[name].format(qaly_value=repr(float(qaly_value)), paid=paid,
                                       outlay=f"({atoms['cost_pv']} + {paid})", **atoms)


def _moment_rows(keys: Sequence[OutputKey], ledger: LedgerPlan,
                 scope_atoms: Sequence[Mapping[str, str]], qaly_value: float) -> list[str]:
    """Lines writing a draw's value of every key but a metric node's periods to ``rows``."""
    scopes = ledger.scopes
    metric_totals = {node_id: f"mt{m}" for m, node_id in enumerate(ledger.metric_nodes)}

    def value(scope: str, name: str) -> str:
        atoms = scope_atoms[scopes.index(scope)]
        if name in atoms:
            return atoms[name]
        return "(" + derived_source(name, atoms, qaly_value) + ")"

    lines = []
    for row, key in enumerate(keys):
        if key.kind == "metric":
            expression = value(key.scope, key.name)
        elif key.kind == "above_zero":
            expression = f"1.0 if {value(key.scope, key.name)} > 0.0 else 0.0"
        elif key.kind == "node_total":
            expression = metric_totals[key.name]
        else:  # a metric node's period: written in the loop over periods
            continue
        lines.append(f"rows[{row}, j] = {expression}")
    return lines


@dataclass(frozen=True, kw_only=True)
class _Atoms:
    """The kernel's names for what the ledger sums, by kind of node (their ``v<k>`` names)."""

    money: list[str]
    qalys: list[str]
    metrics: list[str]
    incomes: list[str]
    n_scopes: int

    @classmethod
    def of(cls, ledger: LedgerPlan, identifiers: Mapping[str, str]) -> _Atoms:
        return cls(money=[identifiers[node_id] for node_id in ledger.money_nodes],
                   qalys=[identifiers[node_id] for node_id in ledger.qaly_nodes],
                   metrics=[identifiers[node_id] for node_id in ledger.metric_nodes],
                   incomes=[identifiers[node_id] for node_id in ledger.income_nodes],
                   n_scopes=len(ledger.scopes))


def kernel_source(bid: Bid, order: Sequence[Node], ledger: LedgerPlan) -> str:
    """Return the Python source of the bid's kernel, for numba to compile.

    Parameters
    ----------
    bid : Bid
    order : sequence of Node
        The computed nodes in evaluation order (``bid.evaluation_order()``).
    ledger : LedgerPlan

    Returns
    -------
    str
        The source of ``kernel(P, G, profiles, money, health, base, payback,
        qalys, net, rows, flows, status, keep_flows, cash_every, cash_first)``:
        ``P`` holds one row of draws per parameter (bid order), ``G`` one per
        success gate, ``profiles`` each activity's delivery by period; the
        rest are filled, ``rows`` with every quantity of
        ``ledger.moment_keys`` and ``net`` with the net cash flows of draws
        ``cash_first``, ``cash_first + cash_every``, … only (each scope's, then
        each scope's :data:`~bpv.engine.ledger.CASH_PARTS`).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> source = kernel_source(bid, bid.evaluation_order(), LedgerPlan.from_bid(bid))
    >>> source.splitlines()[0]
    'def kernel(P, G, profiles, money, health, base, payback, qalys, net, rows, flows, status, keep_flows, cash_every, cash_first):'
    """  # noqa: E501 (doctest output is one line)
    identifiers = {name: f"p{i}" for i, name in enumerate(bid.parameters)}
    identifiers |= {node.id: f"v{k}" for k, node in enumerate(order)}
    gated = [node.id for node in order if node.kind == "activity"
             and node.success is not None and node.success != 1]
    writer = _node_lines(order, identifiers, gated)
    atoms = _Atoms.of(ledger, identifiers)
    keys = ledger.moment_keys(bid.horizon)
    draw = [f"p{i} = P[{i}, j]" for i in range(len(bid.parameters))]
    draw += [f"g{i} = G[{i}, j]" for i in range(len(gated))]
    draw += writer.per_draw
    draw += _running_totals(writer, atoms)
    draw.append(f"for t in range({bid.horizon}):")
    draw += [f"    {line}" for line in _period_lines(writer, atoms, ledger, keys, len(order))]
    draw += _draw_results(atoms, ledger, keys, bid.settings.qaly_value)
    body = [
        "def kernel(P, G, profiles, money, health, base, payback, qalys, net, rows, flows, "
        "status, keep_flows, cash_every, cash_first):",
        "    bad = 0.0",
        *(f"    {history} = np.zeros({bid.horizon})" for history in writer.histories),
        "    big = 0.0",
        "    imbalance = 0.0",
        "    largest = 0.0",
        "    for j in range(P.shape[1]):",
        *(f"        {line}" for line in draw),
        "    status[0] = bad", "    status[1] = imbalance", "    status[2] = largest",
        "    status[3] = big", "",
    ]
    return "\n".join(body)


def _node_lines(order: Sequence[Node], identifiers: Mapping[str, str],
                gated: Sequence[str]) -> ScalarWriter:
    """Write every node's value: once per draw when it cannot vary by period, else per period."""
    activities = [node.id for node in order if node.kind == "activity"]
    varying: set[str] = set()
    writer = ScalarWriter(identifiers, varying)
    for node in order:
        value = identifiers[node.id]
        if node.kind == "activity":
            # As the numpy kernel: (profile × gate) × formula, varying by period.
            varying.add(value)
            gate = f"g{gated.index(node.id)}" if node.id in gated else "1.0"
            term = f"profiles[{activities.index(node.id)}, t] * {gate}"
            if node.formula is not None:
                atom, _ = writer.formula(node.formula)
                term = f"({term}) * {atom}"
            writer.per_period.append(f"{value} = {term}")
        else:
            assert node.formula is not None  # noqa: S101 - qualitative nodes are not in order
            atom, varies = writer.formula(node.formula)
            (writer.per_period if varies else writer.per_draw).append(f"{value} = {atom}")
            if varies:
                varying.add(value)
    return writer


def _running_totals(writer: ScalarWriter, atoms: _Atoms) -> list[str]:
    """Write the start of a draw's sums over periods, and which of its cash flows are stored."""
    lines = [f"{power} = 1.0" for power, _ in writer.powers]
    lines += [f"{total} = 0.0" for total in writer.totals]
    lines += [f"pv{m} = 0.0" for m in range(len(atoms.money))]
    lines += [f"qa{q} = 0.0" for q in range(len(atoms.qalys))]
    lines += [f"mt{m} = 0.0" for m in range(len(atoms.metrics))]
    lines += [f"cum{s} = 0.0" for s in range(atoms.n_scopes)]
    lines += [f"pb{s} = np.inf" for s in range(atoms.n_scopes)]
    # The net cash flows of one draw in cash_every are kept: only those are stored.
    lines += ["kc = j - cash_first", "store = kc >= 0 and kc % cash_every == 0",
              "kc = kc // cash_every"]
    return lines


def _period_lines(writer: ScalarWriter, atoms: _Atoms, ledger: LedgerPlan,
                  keys: Sequence[OutputKey], n_nodes: int) -> list[str]:
    """Write the loop over periods: node values, discounted sums, cash flows and payback."""
    money = atoms.money
    period = ["tt = float(t)", *writer.per_period]
    period.append("if keep_flows:")
    period += [f"    flows[{k}, t, j] = v{k}" for k in range(n_nodes)]
    period.append("d = money[t]")
    period += [f"pv{m} += d * {atom}" for m, atom in enumerate(money)]
    period.append("h = health[t]")
    period += [f"qa{q} += h * {atom}" for q, atom in enumerate(atoms.qalys)]
    for m, (node_id, atom) in enumerate(zip(ledger.metric_nodes, atoms.metrics, strict=True)):
        row = keys.index(OutputKey("node", node_id, period=0))
        period += [f"rows[{row} + t, j] = {atom}", f"mt{m} += {atom}",
                   f"big = max(big, abs({atom}))"]
    for s in range(atoms.n_scopes):
        parts = [f"    net[{(1 + p) * atoms.n_scopes + s}, t, kc] = "
                 f"{_signed_sum(ledger.weights[part][s], money)}"
                 for p, part in enumerate(CASH_PARTS)]
        period += [f"cash = {_signed_sum(ledger.weights['net_cash'][s], money)}",
                   "big = max(big, abs(cash))",
                   "if store:", f"    net[{s}, t, kc] = cash", *parts,
                   f"cum{s} += cash",
                   f"if pb{s} == np.inf and cum{s} >= 0.0:",
                   f"    pb{s} = tt"]
    if atoms.incomes:
        period.append(f"income = {' + '.join(['0.0', *atoms.incomes])}")
        period.append("imbalance = max(imbalance, abs(income))")
        period += [f"largest = max(largest, abs({atom}))" for atom in atoms.incomes]
    period += [f"{power} *= {base}" for power, base in writer.powers]
    return period


def _draw_results(atoms: _Atoms, ledger: LedgerPlan, keys: Sequence[OutputKey],
                  qaly_value: float) -> list[str]:
    """Write a draw's base quantities and moment rows, and the check that they are finite."""
    n_scopes = atoms.n_scopes
    present = [f"pv{m}" for m in range(len(atoms.money))]
    scope_atoms: list[dict[str, str]] = [{"payback": f"pb{s}"} for s in range(n_scopes)]
    lines = []
    for b, name in enumerate(_PRESENT_VALUES):
        for s in range(n_scopes):
            atom = scope_atoms[s][name] = f"b{b}_{s}"
            lines += [f"{atom} = {_signed_sum(ledger.weights[name][s], present)}",
                      f"base[{b}, {s}, j] = {atom}", f"bad += 0.0 * {atom}",
                      f"big = max(big, abs({atom}))"]
    lines += [f"payback[{s}, j] = pb{s}" for s in range(n_scopes)]
    # A cumulative cash flow that overflowed stays inf or nan to the end.
    lines += [f"bad += 0.0 * cum{s}" for s in range(n_scopes)]
    lines.append(f"ql = {' + '.join(['0.0', *(f'qa{q}' for q in range(len(atoms.qalys)))])}")
    lines += ["qalys[j] = ql", "bad += 0.0 * ql", "big = max(big, abs(ql))"]
    lines += [f"bad += 0.0 * mt{m}" for m in range(len(atoms.metrics))]
    lines.append(f"big = max(big, abs({float(qaly_value)!r} * ql + b2_0 - b0_0))")  # NMB
    # A ratio is out of bounds only where its outlay is small (its numerator is in bounds).
    for s in range(n_scopes):
        lines += [f"pd{s} = max(-b3_{s}, 0.0)", f"ol{s} = b0_{s} + pd{s}",
                  f"if ol{s} != 0.0 and abs(ol{s}) < 2.0:",
                  f"    big = max(big, abs((b2_{s} - b0_{s}) / ol{s}), "
                  f"abs((b2_{s} + pd{s}) / ol{s}), abs((b1_{s} - b0_{s}) / ol{s}))"]
    scope_atoms[0]["qalys"] = "ql"
    lines += _moment_rows(keys, ledger, scope_atoms, qaly_value)
    return lines


# -- compiling and running ---------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _compile(source: str) -> Callable[..., None]:
    """Compile a kernel's source with numba, once per process, and once per machine.

    The source is kept as a file in the kernel cache (:mod:`bpv._utils.kernel_cache`),
    where numba keeps its machine code, so a new process loads it in a
    fraction of the time; without a cache directory it is compiled in memory.
    """
    # The source is written by kernel_source from checked syntax trees: names
    # are indices and numbers are float reprs, so no text of the bid runs here.
    module, kept = import_source(_MODULE_HEADER + source, "bpv_kernel")
    function: Callable[..., None] = jit(module.kernel, cache=kept, nogil=True,
                                        error_model="numpy", boundscheck=False)
    return function


#: What a kernel's file holds before its source.
_MODULE_HEADER = '''"""A bid's kernel, by bpv.engine.compiled_kernel, kept for numba's cache."""

import numpy as np


'''


#: Each row of a kernel's arrays is this many values longer than the draws it
#: holds. Rows of 8,192 draws are 64 KiB apart, so a draw's values in every row
#: fall in one set of the CPU's cache and evict each other; the padding moves
#: each row to another set (measured: the benchmark bid's kernel runs twice as fast).
_PAD = 8


def _padded(purpose: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Return a scratch array of ``shape`` whose rows are :data:`_PAD` values apart."""
    *leading, n = shape
    return scratch(purpose, (*leading, n + _PAD))[..., :n]


def parameter_rows(n_parameters: int, n: int) -> NDArray[np.float64]:
    """Return this thread's rows of parameter values that :class:`CompiledModel` reads.

    Values drawn straight into them (name them in ``placed`` when calling the
    model) are not copied.
    """
    return _padded("compiled parameters", (n_parameters, n))


@dataclass(frozen=True, kw_only=True)
class CompiledModel:
    """A bid's compiled kernel and how to call it; picklable (workers compile their own).

    Build one with :meth:`from_bid`, which compiles at once, so that a
    missing numba or a compile error shows before any draw is taken.

    Attributes
    ----------
    source : str
        From :func:`kernel_source`.
    parameters, gates, nodes : tuple of str
        The order of ``P``'s rows, ``G``'s rows and the flows.
    metric_rows : tuple of (str, int)
        Each metric node and the row of its first period in the moment rows.
    n_rows : int
        Number of moment rows (``len(ledger.moment_keys(horizon))``).
    profiles : ndarray of shape (n_activities, horizon)
    n_scopes : int
    """

    source: str
    parameters: tuple[str, ...]
    gates: tuple[str, ...]
    nodes: tuple[str, ...]
    metric_rows: tuple[tuple[str, int], ...]
    n_rows: int
    profiles: NDArray[np.float64]
    n_scopes: int

    @classmethod
    def from_bid(cls, bid: Bid, order: Sequence[Node], ledger: LedgerPlan) -> CompiledModel:
        """Write and compile the kernel of ``bid``.

        Raises
        ------
        SpecError
            If numba is not installed.
        """
        _require_numba()
        activities = [node for node in order if node.kind == "activity"]
        profiles = np.array([node.delivery_profile(bid.horizon) for node in activities],
                            dtype=np.float64).reshape(len(activities), bid.horizon)
        keys = ledger.moment_keys(bid.horizon)
        model = cls(
            source=kernel_source(bid, order, ledger),
            parameters=tuple(bid.parameters),
            gates=tuple(node.id for node in activities
                        if node.success is not None and node.success != 1),
            nodes=tuple(node.id for node in order),
            metric_rows=tuple((node_id, keys.index(OutputKey("node", node_id, period=0)))
                              for node_id in ledger.metric_nodes),
            n_rows=len(keys),
            profiles=profiles,
            n_scopes=len(ledger.scopes),
        )
        model.warm_up()
        return model

    def warm_up(self) -> None:
        """Compile now (numba compiles at its first call), on one draw of zeros."""
        zeros = {name: np.zeros(1) for name in self.parameters}
        gates = {name: np.zeros((1, 1)) for name in self.gates}
        horizon = self.profiles.shape[1]
        self(zeros, gates, np.zeros(horizon), np.zeros(horizon), keep_flows=False)
        # The layout of the real rows: padded, and two of them (numpy calls a
        # single row contiguous whatever its stride, and numba compiles per layout).
        row_moments(_padded("compiled moment rows", (2, 1)))

    def __call__(
        self,
        parameters: Mapping[str, NDArray[np.float64]],
        gates: Mapping[str, NDArray[np.float64]],
        money_factors: NDArray[np.float64],
        health_factors: NDArray[np.float64],
        *,
        keep_flows: bool,
        placed: Collection[str] = (),
        cash_every: int = 1,
        cash_first: int = 0,
        n: int | None = None,
    ) -> tuple[dict[str, NDArray[np.float64]], LedgerSlice, NDArray[np.float64], bool]:
        """Evaluate a slice of draws.

        ``parameters`` holds a row (n,) per parameter, ``gates`` a row (1, n)
        per success gate; the parameters in ``placed`` are already in their
        row of :func:`parameter_rows`. Returns the metric nodes' values (and
        every node's, with ``keep_flows``), the ledger's reduction, the moment
        rows, and whether every amount was finite and within
        :data:`~bpv.engine.ledger.MAX_AMOUNT`. The ledger's ``net_cash``
        holds only draws ``cash_first``, ``cash_first + cash_every``, … of
        the slice (the subsample kept for the fan chart). ``n`` is the number of
        draws (by default the length of the parameters' rows). The arrays are
        this thread's scratch buffers: valid until its next call.
        """
        if n is None:  # a bid may have no parameters (nor gates): then n must be given
            n = next(iter(parameters.values())).shape[-1] if parameters else 0
        horizon = self.profiles.shape[1]
        rows = parameter_rows(len(self.parameters), n)
        for row, name in zip(rows, self.parameters, strict=True):
            if name not in placed:
                row[:] = parameters[name]
        gate_rows = _padded("compiled gates", (len(self.gates), n))
        for row, name in zip(gate_rows, self.gates, strict=True):
            row[:] = gates[name].reshape(-1)
        base = _padded("compiled base", (len(_PRESENT_VALUES), self.n_scopes, n))
        payback = _padded("compiled payback", (self.n_scopes, n))
        qalys = np.empty(n)
        n_cash = len(range(cash_first, n, cash_every))
        # At least one column, so that the layout numba compiled for stays the same.
        net = _padded("compiled net cash", ((1 + len(CASH_PARTS)) * self.n_scopes, horizon,
                                            max(n_cash, 1)))
        moment_rows = _padded("compiled moment rows", (self.n_rows, n))
        # Two rows at least, written or not: one layout for numba whether flows are
        # kept or not (an empty or single-row array counts as contiguous), so
        # keep_flows=True runs the machine code already compiled.
        flows = _padded("compiled flows", (max(len(self.nodes) if keep_flows else 0, 2),
                                           horizon, n))
        status = np.zeros(4)
        _compile(self.source)(rows, gate_rows, self.profiles, money_factors, health_factors,
                              base, payback, qalys, net, moment_rows, flows, status,
                              keep_flows, cash_every, cash_first)
        ledger = LedgerSlice(
            base={**dict(zip(_PRESENT_VALUES, base, strict=True)), "payback": payback},
            qalys=qalys, net_cash=net[:self.n_scopes, :, :n_cash],
            cash_parts=net[self.n_scopes:, :, :n_cash],
            imbalance=float(status[1] / status[2]) if status[2] > 0 else 0.0)
        values = {node_id: moment_rows[row:row + horizon] for node_id, row in self.metric_rows}
        if keep_flows:
            values |= dict(zip(self.nodes, flows, strict=False))
        return values, ledger, moment_rows, bool(status[0] == 0.0 and status[3] <= MAX_AMOUNT)


def row_moments(rows: NDArray[np.float64]) -> Moments:
    """:meth:`Moments.of_rows` compiled: one pass for the sums, one for the squares.

    The same definition (finite values only); sums run in another order, so
    the last bits may differ from numpy's.

    Examples
    --------
    >>> m = row_moments(np.array([[1.0, 2.0, 3.0, np.inf]]))
    >>> m.count, m.mean, m.m2
    (array([3.]), array([2.]), array([2.]))
    """
    count, mean, m2 = (np.empty(rows.shape[0]) for _ in range(3))
    _row_moments()(rows, count, mean, m2)
    return Moments(count=count, mean=mean, m2=m2)


def _row_moments() -> Callable[..., None]:
    from bpv.engine._moments_jit import moments

    return moments
