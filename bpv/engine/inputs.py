"""A bid's uncertain inputs: their names, and the values :func:`~bpv.engine.evaluate` is given.

The inputs of a bid are its uncertain parameters (those not ``Fixed``), then
the success gate of each activity whose success is uncertain, named
``'<activity>.delivered'`` (:func:`gate_name`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bpv.errors import SpecError, did_you_mean
from bpv.spec.bid import Bid
from bpv.spec.distributions import Fixed

__all__ = ["gate_name", "gated_activities", "given_inputs", "input_names",
           "uncertain_parameters"]


def gate_name(activity: str) -> str:
    """Return the input name of an activity's success gate: ``'<activity>.delivered'``.

    A gate is 1 in a draw where the activity is delivered and 0 where it is
    not; parameter names cannot contain a dot, so the names never clash.

    Examples
    --------
    >>> gate_name("ward")
    'ward.delivered'
    """
    return f"{activity}.delivered"


def input_names(bid: Bid) -> tuple[str, ...]:
    """Return the names of a bid's uncertain inputs: parameters, then success gates.

    Fixed parameters are not inputs. A gate is uncertain when its activity's
    success is below 1 or is a parameter.

    Examples
    --------
    >>> import bpv
    >>> input_names(bpv.load("examples/bids/frailty_virtual_ward.yaml"))[-2:]
    ('ward_cost', 'ward.delivered')
    """
    return (*uncertain_parameters(bid), *(gate_name(gate) for gate in gated_activities(bid)))


def uncertain_parameters(bid: Bid) -> tuple[str, ...]:
    """Return the names of the bid's parameters that are not ``Fixed``, in bid order."""
    return tuple(name for name, p in bid.parameters.items()
                 if not isinstance(p.distribution, Fixed))


def gated_activities(bid: Bid) -> tuple[str, ...]:
    """Return the ids of the activities whose success is uncertain, in bid order."""
    return tuple(node.id for node in bid.nodes
                 if node.kind == "activity" and node.success is not None and node.success != 1)


def given_inputs(bid: Bid, inputs: Mapping[str, ArrayLike]) -> dict[str, NDArray[np.float64]]:
    """Check the inputs given to :func:`~bpv.engine.evaluate`; return arrays of one length.

    Raises
    ------
    SpecError
        If an input is missing or unknown, not a number or a 1-d array, or
        the lengths differ; every problem is named.
    """
    needed = input_names(bid)
    allowed = (*bid.parameters, *needed)
    problems = [f"no input '{name}'{did_you_mean(name, allowed)}"
                for name in inputs if name not in allowed]
    missing = [name for name in needed if name not in inputs]
    if missing:
        problems.append(f"missing values for {', '.join(missing)}")
    arrays = {name: np.atleast_1d(np.asarray(value, dtype=np.float64))
              for name, value in inputs.items() if name in allowed}
    problems += [f"input '{name}' must be a number or a 1-d array, got shape {array.shape}"
                 for name, array in arrays.items() if array.ndim != 1]
    lengths = {array.shape[0] for array in arrays.values() if array.ndim == 1 and array.size != 1}
    if len(lengths) > 1:
        problems.append(f"input arrays differ in length: {sorted(lengths)}")
    if problems:
        raise SpecError(f"cannot evaluate bid '{bid.id}': " + "; ".join(problems))
    n_rows = lengths.pop() if lengths else 1
    return {name: np.broadcast_to(array, (n_rows,)) for name, array in arrays.items()}
