"""How results are written for people and for machines: labels, numbers as text, values as JSON.

Every text table, HTML report and plot of bpv names its metrics from
:data:`METRIC_LABELS` and writes its numbers with the functions here, so the
same metric is named alike, in the same units, and the same number reads the
same wherever it appears. Where outputs genuinely differ (a terminal table is
terse, a report speaks to a reader in pounds) they differ by a named style,
not by a formatter of their own.

Styles of :func:`format_number` (plain text):

- ``'table'``: summary tables (``1,234,568``, ``42.12``, ``1.200e-04``);
- ``'plain'``: sentences and the sensitivity table, never in exponent form
  above 1 (``12,345,678``, ``0.0042``, ``1.20e-04``);
- ``'short'``: labels beside a bar of a plot (``1.23e+04``, ``42.12``).

For readers (HTML): :func:`format_value` writes a number in its metric's
:data:`Form` (``£1,234,567``, ``12.3%``, ``1.05``, ``never``), with
:func:`format_probability`, :func:`format_quantity`, :func:`format_sig`,
:func:`format_exact`, :func:`format_rate` and :func:`format_pounds` beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

__all__ = [
    "DASH",
    "METRIC_LABELS",
    "MINUS",
    "Form",
    "LabelStyle",
    "MetricLabel",
    "NumberStyle",
    "format_exact",
    "format_number",
    "format_percent",
    "format_pounds",
    "format_probability",
    "format_quantity",
    "format_rate",
    "format_sig",
    "format_value",
    "json_safe",
    "metric_form",
    "metric_label",
    "text_table",
    "wrap",
]

#: How a metric's values are written for a reader.
Form = Literal["money", "percent", "ratio", "years", "quantity"]
#: Which of a metric's names: ``'text'`` for terminal tables (with units),
#: ``'report'`` for HTML reports and plots, ``'short'`` for sentences.
LabelStyle = Literal["text", "report", "short"]
#: Styles of :func:`format_number`.
NumberStyle = Literal["table", "plain", "short"]

MINUS = "\N{MINUS SIGN}"
DASH = "\N{EM DASH}"


# -- metric labels --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MetricLabel:
    """The names of one metric, its unit and how its values are written.

    Attributes
    ----------
    name : str
        For reports: ``'Costs (present value)'``.
    compact : str
        For terminal tables, without the unit: ``'Costs, PV'`` (plain hyphens).
    short : str
        In a sentence: ``'present value of costs'``.
    unit : str or None
        ``'GBP'``, ``'years'``; None when the name says it or it has none.
    form : Form
        How a value is written for a reader (:func:`format_value`).
    """

    name: str
    compact: str
    short: str
    unit: str | None
    form: Form

    def label(self, style: LabelStyle = "text") -> str:
        """Return the label in a style: the compact name with its unit, the name, the short name.

        A report writes money with a pound sign, so its money labels leave the unit out.

        Examples
        --------
        >>> METRIC_LABELS["payback"].label("text"), METRIC_LABELS["payback"].label("report")
        ('Payback period (years)', 'Payback period (years)')
        >>> METRIC_LABELS["npv"].label("text"), METRIC_LABELS["npv"].label("report")
        ('Net present value (GBP)', 'Net present value')
        """
        if style == "short":
            return self.short
        if style == "report":
            return self.name if self.unit is None or self.form == "money" \
                else f"{self.name} ({self.unit})"
        return self.compact if self.unit is None else f"{self.compact} ({self.unit})"


def _label(name: str, compact: str, short: str, unit: str | None, form: Form) -> MetricLabel:
    return MetricLabel(name=name, compact=compact, short=short, unit=unit, form=form)


#: Every metric's names, unit and form: the ledger's metrics, and a comparison's net cost.
#: Periods are financial years, so the payback period is in years.
METRIC_LABELS: Mapping[str, MetricLabel] = MappingProxyType({
    "npv": _label("Net present value", "Net present value", "NPV", "GBP", "money"),
    "roi": _label("Return on investment", "Return on investment", "ROI", None, "percent"),
    "bcr": _label("Benefit–cost ratio", "Benefit-cost ratio", "benefit–cost ratio", None,
                  "ratio"),
    "cash_roi": _label("Cash-releasing return on investment", "Cash-releasing ROI",
                       "cash-releasing ROI", None, "percent"),
    "payback": _label("Payback period", "Payback period", "payback period", "years",
                      "years"),
    "cost_pv": _label("Costs (present value)", "Costs, PV", "present value of costs", "GBP",
                      "money"),
    "benefit_pv": _label("Benefits (present value)", "Benefits, PV",
                         "present value of benefits", "GBP", "money"),
    "cash_releasing_pv": _label("Cash-releasing benefits (present value)", "Cash-releasing, PV",
                                "present value of cash-releasing benefits", "GBP", "money"),
    "income_pv": _label("Income from other organisations (present value)", "Income, PV",
                        "present value of income", "GBP", "money"),
    "qalys": _label("QALYs gained (discounted)", "QALYs, discounted", "QALYs", None,
                    "quantity"),
    "nmb": _label("Net monetary benefit", "Net monetary benefit", "NMB", "GBP", "money"),
    "net_cost": _label("Net cost (present value)", "Net cost, PV", "net cost", "GBP", "money"),
})


def metric_label(metric: str, style: LabelStyle = "text") -> str:
    """Return a metric's label in a style; NMB at λ (``nmb@30000``) says λ; else the name.

    Examples
    --------
    >>> metric_label("payback"), metric_label("cost_pv", "report"), metric_label("qalys", "short")
    ('Payback period (years)', 'Costs (present value)', 'QALYs')
    >>> metric_label("nmb@30000", "short"), metric_label("admissions_avoided")
    ('NMB at £30,000 per QALY', 'admissions_avoided')
    """
    if metric.startswith("nmb@"):
        nmb, at = METRIC_LABELS["nmb"], f" at £{float(metric[4:]):,.0f} per QALY"
        return MetricLabel(name=nmb.name + at, compact=nmb.compact + at, short=nmb.short + at,
                           unit=nmb.unit, form=nmb.form).label(style)
    known = METRIC_LABELS.get(metric)
    return metric if known is None else known.label(style)


def metric_form(metric: str) -> Form:
    """Return how a metric is written (``money`` for NPV, NMB at any λ ...); else ``quantity``.

    Examples
    --------
    >>> metric_form("npv"), metric_form("nmb@20000"), metric_form("payback"), metric_form("beds")
    ('money', 'money', 'years', 'quantity')
    """
    if metric.startswith("nmb@"):
        return "money"
    known = METRIC_LABELS.get(metric)
    return "quantity" if known is None else known.form


# -- numbers as plain text -----------------------------------------------------------------


def format_number(value: float, style: NumberStyle = "table", *, digits: int | None = None,
                  signed: bool = False) -> str:
    """Return a number as plain text in a style (see the module's notes).

    Parameters
    ----------
    value : float
    style : {'table', 'plain', 'short'}, default 'table'
    digits : int, optional
        Fixed decimal places instead of the style's (``'-'`` for non-finite).
    signed : bool, default False
        Write ``+`` before a positive number.

    Examples
    --------
    >>> [format_number(v) for v in (1234567.8, 42.123456, 0.00012, float("nan"), float("inf"))]
    ['1,234,568', '42.12', '1.200e-04', '-', 'never']
    >>> [format_number(v, "plain") for v in (12345678.9, 0.0042, 0.00012, float("inf"))]
    ['12,345,679', '0.0042', '1.20e-04', '-']
    >>> format_number(12345.0, "short"), format_number(0.25, digits=2)
    ('1.23e+04', '0.25')
    >>> format_number(3.5, signed=True), format_number(-3.5, signed=True)
    ('+3.5', '-3.5')
    """
    if digits is not None:
        text = f"{value:.{digits}f}" if math.isfinite(value) else "-"
    elif style == "plain":
        text = _plain(value)
    elif style == "short":
        text = (f"{value:.3g}" if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-2)
                else f"{value:.4g}")
    else:
        text = _table(value)
    return f"+{text}" if signed and value > 0 and text[:1].isdigit() else text


def _table(value: float) -> str:
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "never" if value > 0 else "-inf"
    if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
        return f"{value:.3e}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _plain(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.2e}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def format_percent(share: float, digits: int = 1) -> str:
    """Return a share as a percentage in plain text: ``12.3%``.

    Examples
    --------
    >>> format_percent(0.1234), format_percent(0.5, 0)
    ('12.3%', '50%')
    """
    return f"{share:.{digits}%}"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    r"""Return the lines of a plain-text table: first column left, the others right-aligned.

    Examples
    --------
    >>> print("\n".join(text_table(["input", "EVPPI"], [["a", "1.5"], ["bb", "12"]])))
    input  EVPPI
    a        1.5
    bb        12
    """
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        return "  ".join([first, *(f"{cell:>{width}}" for cell, width
                                   in zip(cells[1:], widths[1:], strict=True))]).rstrip()
    return [line(header), *(line(row) for row in rows)]


def wrap(text: str, width: int = 88) -> str:
    r"""Return text wrapped at spaces to lines of at most ``width`` characters (longer words whole).

    Examples
    --------
    >>> wrap("one two three four", width=9)
    'one two\nthree\nfour'
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return "\n".join([*lines, current])


# -- numbers for readers (HTML reports) -------------------------------------------------------


def format_value(value: float, form: Form) -> str:
    """Write a number for a reader: ``£1,234,567``, ``−12.5%``, ``1.05``, ``never``.

    Examples
    --------
    >>> format_value(-1234567.4, "money"), format_value(0.1234, "percent")
    ('−£1,234,567', '12.3%')
    >>> format_value(float("inf"), "years"), format_value(2.25, "years")
    ('never', '2.2')
    """
    if math.isnan(value):
        return DASH
    if math.isinf(value):
        if form == "years":
            return "never" if value > 0 else DASH
        return ("" if value > 0 else MINUS) + "∞"
    sign = MINUS if value < 0 and not _rounds_to_zero(value, form) else ""
    magnitude = abs(value)
    if form == "money":
        return f"{sign}£{magnitude:,.0f}"
    if form == "percent":
        return f"{sign}{magnitude:.1%}"
    if form == "ratio":
        return f"{sign}{magnitude:,.2f}"
    if form == "years":
        return f"{sign}{magnitude:,.1f}"
    return sign + format_quantity(magnitude)


def _rounds_to_zero(value: float, form: Form) -> bool:
    places = {"money": 0, "percent": 3, "ratio": 2, "years": 1}.get(form)
    return places is not None and round(abs(value), places) == 0


def format_quantity(magnitude: float) -> str:
    """Write a non-negative quantity to about three significant figures, with commas.

    Examples
    --------
    >>> format_quantity(1234.5), format_quantity(12.34), format_quantity(0.01234)
    ('1,234', '12.3', '0.0123')
    """
    if magnitude >= 100:
        return f"{magnitude:,.0f}"
    if magnitude >= 1:
        return f"{magnitude:,.1f}"
    return f"{magnitude:.3g}"


def format_sig(value: float) -> str:
    """Write a value to about three significant figures: ``−1,235``, ``0.0784``.

    Examples
    --------
    >>> format_sig(-1234.5), format_sig(0.07843)
    ('−1,234', '0.0784')
    """
    sign = MINUS if value < 0 and f"{abs(value):.3g}" != "0" else ""
    return sign + format_quantity(abs(value))


def format_exact(value: float) -> str:
    """Write a number from a bid exactly but readably: ``350,000``, ``0.35``, ``2,800``.

    Examples
    --------
    >>> format_exact(350000.0), format_exact(0.35), format_exact(2800.4)
    ('350,000', '0.35', '2,800')
    """
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def format_probability(share: float) -> str:
    """Write a probability as a percentage, never rounding a small chance to 0% or 100%.

    Examples
    --------
    >>> format_probability(0.0004), format_probability(0.25), format_probability(0.9996)
    ('< 0.1%', '25.0%', '> 99.9%')
    """
    if math.isnan(share):
        return DASH
    if 0 < share < 0.001:
        return "< 0.1%"
    if 0.999 < share < 1:
        return "> 99.9%"
    return f"{share:.1%}"


def format_rate(rate: float) -> str:
    """Write a rate such as 0.035 as ``3.5%``.

    Examples
    --------
    >>> format_rate(0.035)
    '3.5%'
    """
    return f"{rate * 100:.4g}%"


def format_pounds(value: float, style: Literal["axis", "threshold"] = "axis") -> str:
    """Write pounds briefly: an axis tick (``−£1.5m``, ``£250k``) or a threshold (``£20k``).

    Examples
    --------
    >>> format_pounds(-1_500_000), format_pounds(250_000), format_pounds(0)
    ('−£1.5m', '£250k', '£0')
    >>> format_pounds(20_000, "threshold"), format_pounds(12_500, "threshold")
    ('£20k', '£12.5k')
    """
    if style == "threshold":
        return f"£{value / 1000:,.4g}k" if value >= 1000 else f"£{value:,.0f}"
    sign, size = (MINUS if value < 0 else ""), abs(value)
    if size >= 1e6:
        return f"{sign}£{size / 1e6:,.4g}m"
    if size >= 1e3:
        return f"{sign}£{size / 1e3:,.4g}k"
    return f"{sign}£{size:,.4g}"


# -- values as JSON ---------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """Return ``value`` with numpy floats as floats and non-finite numbers as None, for JSON.

    Mappings, lists and tuples are converted throughout; tuples become lists.

    Examples
    --------
    >>> json_safe({"mean": np.float64(2.5), "p": [1.0, float("nan")], "n": 3})
    {'mean': 2.5, 'p': [1.0, None], 'n': 3}
    """
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
