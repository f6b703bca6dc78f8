"""What people read: the HTML appraisal and comparison reports, and plain-text summaries.

:mod:`bpv.reporting.html_report` (one bid), :mod:`bpv.reporting.html_comparison`
(several bids) and :mod:`bpv.reporting.text` (the terminal summary). The public
names are re-exported at the top level: ``bpv.report``, ``bpv.report_comparison``.
"""

__all__: list[str] = []
