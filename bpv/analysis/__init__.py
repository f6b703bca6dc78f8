"""What reviewers ask of appraisals: comparison, decisions, sensitivity, scenarios.

:mod:`bpv.analysis.comparison` (bids on common random numbers),
:mod:`bpv.analysis.decision` (probability best, frontier, EVPI),
:mod:`bpv.analysis.one_way` (tornado, switching values),
:mod:`bpv.analysis.sobol` (variance-based indices),
:mod:`bpv.analysis.evppi` (partial perfect information),
:mod:`bpv.analysis.sensitivity` (all of them on one bid) and
:mod:`bpv.analysis.scenario_table` (scenarios side by side). The public names
are re-exported at the top level: ``bpv.compare``, ``bpv.sensitivity``,
``bpv.scenarios``.
"""

__all__: list[str] = []
