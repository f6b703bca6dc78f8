"""A plain-text appraisal summary a reviewer can read in a terminal.

Metrics are named by :func:`bpv._utils.formatting.metric_label` (the ``'text'``
style: compact, with units), as in every other text, report and plot, and
written in their form (money as ``£1.73m``, shares as percentages); every
column and metric is explained in docs/glossary.md, which the footer names.
"""

from __future__ import annotations

import math

from bpv._utils.formatting import (
    GLOSSARY,
    METRIC_LABELS,
    format_money,
    format_probability,
    format_stat,
    metric_label,
)
from bpv.engine.cash_view import cash_table
from bpv.engine.results import Appraisal, Summary
from bpv.spec.bid import Bid
from bpv.transform.adjustments import brief

__all__ = ["appraisal_text", "npv_nmb_note"]


def npv_nmb_note(*, npv: float, nmb: float, qalys: float, qaly_value: float) -> str | None:
    """Return a sentence on why mean NPV and NMB differ in sign, or None when they agree.

    Examples
    --------
    >>> npv_nmb_note(npv=-1.7e6, nmb=3.4e6, qalys=73.25, qaly_value=70_000)
    'NPV is negative but NMB positive: NMB also values the 73.2 QALYs gained at £70k each (£5.13m), while NPV counts money only (costs and savings, cash-releasing or not).'
    >>> npv_nmb_note(npv=1.0, nmb=2.0, qalys=0.0, qaly_value=70_000) is None
    True
    """  # noqa: E501 (doctest output is one line)
    if not all(map(math.isfinite, (npv, nmb))) or (npv > 0) == (nmb > 0):
        return None
    signs = ("negative", "positive") if npv <= 0 else ("positive", "negative")
    gained = "gained" if qalys >= 0 else "lost"
    return (f"NPV is {signs[0]} but NMB {signs[1]}: NMB also values the "
            f"{format_stat(abs(qalys), 'quantity')} QALYs {gained} at "
            f"{format_money(qaly_value)} each ({format_money(qaly_value * qalys)}), while NPV "
            "counts money only (costs and savings, cash-releasing or not).")

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
        f"{bid.horizon} periods (financial years) from {result.periods[0]}; "
        f"discounting {bid.settings.discounting}, a QALY valued at "
        f"£{bid.settings.qaly_value:,.0f}",
        "adjustments: " + ("; ".join(brief(a) for a in result.provenance.get("adjustments", ()))
                           or "none"),
        "",
    ]
    system = result.summary()
    renamed = Summary({metric_label(k): v for k, v in system.rows.items()},
                      title="System (transfers between organisations cancel)",
                      forms={metric_label(k): METRIC_LABELS[k].form for k in system.rows})
    lines += [str(renamed), ""]
    lines.append(f"P(NPV > 0) = {format_probability(result.probability('npv', '>', 0))}    "
                 f"P(NMB > 0) = {format_probability(result.probability('nmb', '>', 0))}    "
                 f"P(pays back within the horizon) = "
                 f"{format_probability(result.probability('payback', '<', float('inf')))} "
                 f"(paid back in {int(system.rows['payback']['n_finite']):,} of "
                 f"{result.n_represented:,} draws)")
    note = npv_nmb_note(npv=system.rows["npv"]["mean"], nmb=system.rows["nmb"]["mean"],
                        qalys=system.rows["qalys"]["mean"], qaly_value=bid.settings.qaly_value)
    lines += [note, ""] if note else [""]
    names = {o.id: o.name for o in bid.organisations}
    rows = {}
    for org in result.organisations:
        view = result.organisation(org)
        rows[names[org]] = view.summary(metrics=["npv"]).rows["npv"]
    lines += [str(Summary(rows, title="Net present value by organisation (income transfers "
                                      "included)", forms="money")), ""]
    views = [("System", result.cash_by_year())]
    views += [(names[org], result.cash_by_year(org)) for org in result.organisations]
    lines += [f"Cash by year, undiscounted (means of {views[0][1].n_draws:,} draws; rows all "
              "£0 left out)", *cash_table(views), ""]
    for node in result.metric_nodes.values():
        lines += [str(node.by_period()), ""]
    lines.append("Each mean is within about 2 MCSE of the true mean (95%). Money is in "
                 "present values at the bid's discount rates, but cash by year is not; "
                 "natural units are not discounted. What each column and metric means: "
                 f"{GLOSSARY}.")
    return "\n".join(lines)
