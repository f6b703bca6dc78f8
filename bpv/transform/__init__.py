"""Transforming one valid bid into another: drafts, settings adjustments, scenarios.

:mod:`bpv.transform.draft` (the mechanism: a bid as plain data, changed and
validated again), :mod:`bpv.transform.adjustments` (optimism bias, evidence
policy and additionality applied to the settings' bid) and
:mod:`bpv.transform.scenarios` (a named scenario applied). The public names
are re-exported at the top level: ``bpv.adjust``, ``bpv.apply_scenario``.
"""

__all__: list[str] = []
