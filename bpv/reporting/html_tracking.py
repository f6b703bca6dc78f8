"""The delivery report of one bid: RAG status, the plan's fans with actuals, the re-forecast.

:func:`report_tracking` writes what a programme board reads each quarter: how
many actuals are green, amber and red and by which rule; every series' plan
as a fan with its actuals and, given a re-forecast, the posterior over them;
the table of every actual against the plan; the metrics and probabilities
before and after the evidence; and which success hypotheses the actuals say
are failing. The page is the same self-contained, escaped HTML as
:func:`bpv.report` (:mod:`bpv.reporting._html`).
"""

from __future__ import annotations

import math
import os
from typing import Any

from bpv import plot
from bpv._utils.formatting import (
    Form,
    format_percent,
    format_probability,
    format_sig,
    format_value,
    metric_form,
    metric_label,
)
from bpv._utils.output import write_whole
from bpv._utils.validation import check_instance
from bpv._version import __version__
from bpv.errors import SpecError
from bpv.reporting._html import Figure, cell, environment, in_pounds, numbered, svg_uri
from bpv.tracking.reforecast_result import Reforecast
from bpv.tracking.result import Tracking

__all__ = ["report_tracking"]

TEMPLATE = "tracking.html.j2"
#: Metrics shown before and after the evidence, system and each organisation.
_METRICS = ("npv", "roi", "qalys", "nmb")


def report_tracking(tracking: Tracking, path: str | os.PathLike[str] | None = None, *,
                    reforecast: Reforecast | None = None) -> str:
    """Return a bid's delivery as one self-contained HTML page; write it to ``path`` if given.

    Parameters
    ----------
    tracking : Tracking
        ``bpv.track(...)``.
    path : str or path-like, optional
        Where to write the page, whole or not at all.
    reforecast : Reforecast, optional
        ``tracking.reforecast()``, for the sections on the updated forecast
        and the hypotheses.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.appraise(bid, n_draws=2_000, rng=1, keep_flows=True, progress=False)
    >>> tracked = bpv.track(result, "examples/tracking/frailty_virtual_ward_actuals.csv",
    ...                     bid=bid, as_at="2026-12-07")
    >>> html = report_tracking(tracked)
    >>> html.startswith("<!DOCTYPE html>"), "Delivery against plan" in html
    (True, True)
    """
    check_instance(tracking, Tracking, name="tracking", function="report_tracking",
                   expected="a bpv.Tracking (use bpv.track)")
    if reforecast is not None:
        check_instance(reforecast, Reforecast, name="reforecast", function="report_tracking",
                       expected="a bpv.Reforecast (tracking.reforecast())")
        if reforecast.bid_id != tracking.bid.id:
            msg = (f"the re-forecast is of bid '{reforecast.bid_id}', the tracking of "
                   f"'{tracking.bid.id}'")
            raise SpecError(msg)
    html = environment().get_template(TEMPLATE).render(_context(tracking, reforecast))
    if path is not None:
        write_whole(path, html)
    return html


def _context(tracking: Tracking, reforecast: Reforecast | None) -> dict[str, Any]:
    status = tracking.status()
    counts = status.counts()
    sections = [("status", "Delivery against plan"), ("series", "Each series: plan and actuals"),
                ("actuals", "Every actual")]
    if reforecast is not None:
        sections += [("forecast", "The forecast, updated"),
                     ("hypotheses", "Which hypotheses the actuals test")]
    sections.append(("provenance", "Replaying these numbers"))
    figures = [{"title": series.label, "caption": _series_caption(series.label, reforecast),
                "uri": svg_uri(_series_figure(tracking, series.label, reforecast))}
               for series in tracking.plan.series.values()
               if any(row.series == series.label for row in status.rows)]
    context: dict[str, Any] = {
        "version": __version__,
        "bid": tracking.bid,
        "as_at": tracking.as_at.isoformat(),
        "rule": tracking.rule.text,
        "key_figures": [
            {"label": "actuals on or ahead of plan (green)", "text": str(counts.get("green", 0))},
            {"label": "behind but within the plan's 90% band (amber)",
             "text": str(counts.get("amber", 0))},
            {"label": "beyond the plan's 90% band on the worse side (red)",
             "text": str(counts.get("red", 0))},
            {"label": "as at", "text": tracking.as_at.isoformat()},
        ],
        "summary": _summary_rows(tracking),
        "figures": figures,
        "rows": [_status_row(row) for row in status.rows],
        "plan_draws": f"{tracking.plan.n_draws:,} of {tracking.plan.n_appraised:,}",
        "provenance": _provenance(tracking, reforecast),
        **numbered(sections),
    }
    if reforecast is not None:
        context |= _forecast(reforecast)
    return context


def _series_figure(tracking: Tracking, label: str, reforecast: Reforecast | None) -> Figure:
    money = tracking.plan[label].unit == "GBP"
    return Figure(section="series", title=label, caption="", size=(7.5, 3.6),
                  draw=lambda ax: _pounds_if(plot.tracking(tracking, label,
                                                           reforecast=reforecast, ax=ax),
                                             money=money))


def _pounds_if(ax: Any, *, money: bool) -> Any:
    return in_pounds(ax, "y") if money else ax


def _series_caption(label: str, reforecast: Reforecast | None) -> str:
    text = (f"The plan of {label} by financial year: its median, 50% and 90% bands. Each "
            "actual is drawn at its year as an annual rate (its value over the share of the "
            "year it covers; hollow when it covers part of a year), coloured by its RAG "
            "rating.")
    if reforecast is not None:
        text += " Dashed: the re-forecast's median, with its 90% band hatched."
    return text


def _summary_rows(tracking: Tracking) -> list[dict[str, Any]]:
    rows = []
    for series, stats in tracking.summary().rows.items():
        unit = tracking.plan[series].unit
        form = _form(unit)
        variance = stats.get("variance %", math.nan)
        rows.append({"series": series, "unit": unit or "",
                     "green": int(stats["green"]), "amber": int(stats["amber"]),
                     "red": int(stats["red"]),
                     "actual": cell(stats["cum actual"], form),
                     "plan": cell(stats["cum plan"], form),
                     "variance": "—" if variance is None or math.isnan(variance)
                     else f"{variance:+.0f}%"})
    return rows


def _form(unit: str | None) -> Form:
    return "money" if unit == "GBP" else "quantity"


def _status_row(row: Any) -> dict[str, Any]:
    form = _form(row.unit)
    return {"series": row.series, "period": row.period, "rag": row.rag,
            "actual": cell(row.actual, form), "plan": cell(row.median, form),
            "variance": cell(row.variance, form),
            "variance_pct": "—" if math.isnan(row.variance_pct) else f"{row.variance_pct:+.0f}%",
            "band": f"{format_value(row.band_90[0], form)} – {format_value(row.band_90[1], form)}",
            "p_as_good": format_probability(row.p_actual_or_better),
            "location": row.location}


def _forecast(reforecast: Reforecast) -> dict[str, Any]:
    metrics = []
    for scope, by_metric in reforecast.metrics.items():
        for metric in _METRICS:
            if metric not in by_metric:
                continue
            form = metric_form(metric)
            prior, posterior = by_metric[metric]["prior"], by_metric[metric]["posterior"]
            metrics.append({
                "scope": "System" if scope == "system" else scope,
                "label": metric_label(metric, "report"),
                "prior": format_value(prior["mean"], form),
                "posterior": format_value(posterior["mean"], form),
                "interval": f"{format_value(posterior['p5'], form)} – "
                            f"{format_value(posterior['p95'], form)}"})
    probabilities = [{"name": name, "prior": format_percent(value["prior"]),
                      "posterior": format_percent(value["posterior"])}
                     for name, value in reforecast.probabilities.items()]
    hypotheses = [{"name": row.name, "statement": row.statement or "", "owner": row.owner or "",
                   "evidence": row.evidence or "",
                   "prior": f"{format_sig(row.prior_mean)} ({format_sig(row.prior_low)} – "
                            f"{format_sig(row.prior_high)})",
                   "posterior": f"{format_sig(row.posterior_mean)} "
                                f"({format_sig(row.posterior_low)} – "
                                f"{format_sig(row.posterior_high)})",
                   "shift": f"{row.shift:+.2f}", "failing": row.failing}
                  for row in reforecast.hypotheses]
    figure = Figure(section="hypotheses", title="Prior and posterior of each hypothesis",
                    caption="", size=(7.5, 1.2 + 0.45 * min(len(hypotheses), 12)),
                    draw=lambda ax: plot.hypothesis_update(reforecast, top=12, ax=ax))
    return {"reforecast": {
        "method": ("importance reweighting of the appraisal's draws" if reforecast.method
                   == "reweight" else "sequential Monte Carlo over the engine"),
        "ess": f"{reforecast.ess:,.0f}", "n_draws": f"{reforecast.n_draws:,}",
        "metrics": metrics, "probabilities": probabilities, "hypotheses": hypotheses,
        "notes": list(reforecast.notes),
        "figure": {"title": figure.title,
                   "caption": ("Each row on its prior's own scale: 0 and 1 are the ends of the "
                               "prior's 90% interval (blue, with its mean); the posterior's "
                               "90% interval and mean are drawn below it, in vermillion when "
                               "the hypothesis is failing."),
                   "uri": svg_uri(figure)}}}


def _provenance(tracking: Tracking, reforecast: Reforecast | None) -> list[tuple[str, str]]:
    appraisal = tracking.appraisal
    rows = [("Bid hash (SHA-256)", tracking.plan.bid_hash),
            ("Appraisal", f"{appraisal.n_draws:,} draws ({appraisal.method}), seed entropy "
                          f"{appraisal.entropy}"),
            ("Plan", f"{tracking.plan.n_draws:,} of those draws: the scheme delivered"),
            ("As at", tracking.as_at.isoformat()),
            ("bpv version", __version__)]
    if reforecast is not None:
        rows.append(("Re-forecast seed entropy", str(reforecast.entropy)))
    return rows
