"""A plain-text appraisal summary a reviewer can read in a terminal.

Metrics are named by :func:`bpv._utils.formatting.metric_label` (the ``'text'``
style: compact, with units), as in every other text, report and plot.
"""

from __future__ import annotations

from bpv._utils.formatting import format_probability, metric_label
from bpv.engine.results import Appraisal, Summary
from bpv.spec.bid import Bid
from bpv.transform.adjustments import brief

__all__ = ["appraisal_text"]

def appraisal_text(bid: Bid, result: Appraisal) -> str:
    """Return a readable summary: system metrics, each organisation, metric nodes by year.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> text = appraisal_text(bid, bpv.appraise(bid, n_draws=1_000, rng=3))
    >>> "Net present value" in text and "North Acute Trust" in text
    True
    """
    lines = [
        f"{bid.title} ({bid.id})",
        f"{result.n_draws:,} draws, method {result.method}, seed {result.entropy}; "
        f"{bid.horizon} periods from {result.periods[0]}; "
        f"discounting {bid.settings.discounting}, QALY valued at "
        f"GBP {bid.settings.qaly_value:,.0f}",
        "adjustments: " + ("; ".join(brief(a) for a in result.provenance.get("adjustments", ()))
                           or "none"),
        "",
    ]
    system = result.summary()
    renamed = Summary({metric_label(k): v for k, v in system.rows.items()},
                      title="System (transfers between organisations cancel)")
    lines += [str(renamed), ""]
    lines.append(f"P(NPV > 0) = {format_probability(result.probability('npv', '>', 0))}    "
                 f"P(NMB > 0) = {format_probability(result.probability('nmb', '>', 0))}    "
                 f"P(pays back within the horizon) = "
                 f"{format_probability(result.probability('payback', '<', float('inf')))} "
                 f"(paid back in {int(system.rows['payback']['n_finite']):,} of "
                 f"{result.n_represented:,} draws)")
    lines.append("")
    names = {o.id: o.name for o in bid.organisations}
    rows = {}
    for org in result.organisations:
        view = result.organisation(org)
        rows[names[org]] = view.summary(metrics=["npv"]).rows["npv"]
    lines += [str(Summary(rows, title="Net present value by organisation (GBP, income "
                                        "transfers included)")), ""]
    for node in result.metric_nodes.values():
        lines += [str(node.by_period()), ""]
    lines.append("Each mean is within about 2 MCSE of the true mean (95%). Money is in "
                 "present values at the bid's discount rates; natural units are not "
                 "discounted.")
    return "\n".join(lines)
