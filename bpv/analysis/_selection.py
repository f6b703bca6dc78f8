"""Pick one output of an appraisal by name: a system metric, an organisation's, or a metric node."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bpv.engine.results import Appraisal
from bpv.errors import SpecError, did_you_mean

__all__ = ["check_output", "output_draws"]


def check_output(appraisal: Appraisal, metric: str, organisation: str | None) -> None:
    """Raise SpecError, with the names there are, unless ``metric`` names an output."""
    if organisation is not None:
        if organisation not in appraisal.organisations:
            msg = (f"no organisation '{organisation}'"
                   f"{did_you_mean(organisation, appraisal.organisations)}; organisations are: "
                   f"{', '.join(appraisal.organisations)}")
            raise SpecError(msg)
        names = appraisal.organisation(organisation).names
    else:
        names = (*appraisal.metrics, *appraisal.metric_nodes)
    if metric not in names:
        scope = f"organisation '{organisation}'" if organisation else "the system"
        msg = (f"no metric '{metric}' for {scope}{did_you_mean(metric, names)}; "
               f"choose one of: {', '.join(names)}")
        raise SpecError(msg)


def output_draws(appraisal: Appraisal, metric: str,
                 organisation: str | None = None) -> NDArray[np.float64]:
    """Return the kept draws of an output.

    ``metric`` is a metric name (``npv``, ``qalys``, ...), for the system or,
    with ``organisation``, for one organisation; or the id of a ``metric``
    node, whose total over the periods is returned.
    """
    check_output(appraisal, metric, organisation)
    if organisation is not None:
        return np.asarray(appraisal.organisation(organisation).subsample(metric))
    if metric in appraisal.metrics:
        return np.asarray(appraisal.subsample(metric))
    return np.asarray(appraisal.metric_nodes[metric].total)
