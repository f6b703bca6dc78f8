"""How results are written for people and for machines: labels, numbers as text, values as JSON.

Every text table, HTML report and plot of bpv names its metrics from
:data:`METRIC_LABELS` and writes its numbers with the functions here, so the
same metric is named alike, in the same units, and the same number reads the
same wherever it appears. Where outputs genuinely differ (a terminal table is
terse, a report speaks to a reader in pounds) they differ by a named style,
not by a formatter of their own.

Text for people never uses exponent form (``1.138e+07``): a number too large
or too small for its style is written with commas or with more decimal places.

In plain text (terminal output), a number whose metric is known is written in
its :data:`Form` by :func:`format_stat`: money briefly (:func:`format_money`:
``£1.73m``, ``−£420k``, ``£950``), shares as percentages (``12.3%``) and their
spreads in percentage points (``0.16 pp``). Numbers with no known form are
written by :func:`format_number` in a style:

- ``'table'``: summary tables (``1,234,568``, ``42.12``, ``0.00012``);
- ``'plain'``: sentences and the sensitivity table (``12,345,678``, ``0.0042``,
  ``0.00012``);
- ``'short'``: labels beside a bar of a plot (``12.3k``, ``42.12``).

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
    "GLOSSARY",
    "METRIC_LABELS",
    "MINUS",
    "Form",
    "LabelStyle",
    "MetricLabel",
    "NumberStyle",
    "format_exact",
    "format_money",
    "format_number",
    "format_percent",
    "format_pounds",
    "format_probability",
    "format_quantity",
    "format_rate",
    "format_sig",
    "format_stat",
    "format_value",
    "json_safe",
    "significant",
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
#: Where every column and metric of bpv's outputs is explained, for text footers and reports.
GLOSSARY = "docs/glossary.md"


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

        Text and reports write money with a pound sign, so their money labels leave
        the unit out.

        Examples
        --------
        >>> METRIC_LABELS["payback"].label("text"), METRIC_LABELS["payback"].label("report")
        ('Payback period (years)', 'Payback period (years)')
        >>> METRIC_LABELS["npv"].label("text"), METRIC_LABELS["npv"].label("report")
        ('Net present value', 'Net present value')
        """
        if style == "short":
            return self.short
        name = self.name if style == "report" else self.compact
        return name if self.unit is None or self.form == "money" else f"{name} ({self.unit})"


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
    """Return a number as plain text in a style (see the module's notes); never in exponent form.

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
    ['1,234,568', '42.12', '0.00012', '-', 'never']
    >>> [format_number(v, "plain") for v in (12345678.9, 0.0042, 0.00012, float("inf"))]
    ['12,345,679', '0.0042', '0.00012', '-']
    >>> format_number(12345.0, "short"), format_number(0.25, digits=2), format_number(3e-9)
    ('12.3k', '0.25', '0.000000003')
    >>> format_number(3.5, signed=True), format_number(-3.5, signed=True)
    ('+3.5', '-3.5')
    """
    if digits is not None:
        text = f"{value:.{digits}f}" if math.isfinite(value) else "-"
    elif style == "short":
        text = _short(value)
    elif not math.isfinite(value):
        text = "never" if style == "table" and value == math.inf else (
            "-inf" if style == "table" and value == -math.inf else "-")
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = significant(value, 4)
    return f"+{text}" if signed and value > 0 and text[:1].isdigit() else text


def _short(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    sign, size = ("-" if value < 0 else ""), abs(value)
    for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if float(f"{size:.3g}") >= scale:
            return f"{sign}{significant(size / scale, 3)}{suffix}"
    return sign + significant(size, 4 if size >= 1e-2 else 3)


def significant(value: float, figures: int, *, trim: bool = True) -> str:
    """Write a number to some significant figures in fixed notation (no exponent).

    Trailing zeros after the decimal point are dropped, as ``g`` does, unless
    ``trim`` is False; numbers smaller than 1e-15 are written as 0.

    Examples
    --------
    >>> significant(0.000123456, 3), significant(42.123456, 4), significant(1234567.0, 3)
    ('0.000123', '42.12', '1,230,000')
    >>> significant(-2.5e-7, 2), significant(0.0, 3), significant(99.96, 3)
    ('-0.00000025', '0', '100')
    >>> significant(6.952, 2), significant(6.952, 2, trim=False)
    ('7', '7.0')
    """
    if not math.isfinite(value):
        return "-"
    rounded = float(f"{value:.{figures}g}")
    if not math.isfinite(rounded):  # rounding up past the largest float
        rounded = value
    if rounded == 0 or abs(rounded) < 1e-15:
        return "0"
    decimals = max(figures - 1 - math.floor(math.log10(abs(rounded))), 0)
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if trim and "." in text else text


#: Statistics that measure a spread or an error (written in percentage points for a share).
SPREADS = frozenset({"sd", "mcse", "change_mcse", "se", "standard_error"})


def format_money(value: float) -> str:
    """Write an amount of money briefly: ``£1.73m``, ``−£420k``, ``£950``, ``£2.5bn``.

    Three significant figures, and never finer than a whole pound: so the
    written amount is within 0.5% of the value, or within 50p below £100.
    Negative amounts take a minus sign (``−``), an amount that rounds to
    £0 none; never exponent form.

    Examples
    --------
    >>> [format_money(v) for v in (-1_726_725, 419_600, 950.4, 12.6, 0.2, 2.5e9, 1.23e13)]
    ['−£1.73m', '£420k', '£950', '£13', '£0', '£2.5bn', '£12,300bn']
    >>> format_money(999_700), format_money(float("nan")), format_money(float("-inf"))
    ('£1m', '-', '−£∞')
    """
    if math.isnan(value):
        return "-"
    sign = MINUS if value < 0 else ""
    size = abs(value)
    if math.isinf(size):
        return f"{sign}£∞"
    rounded = float(f"{size:.3g}")
    if not math.isfinite(rounded):  # rounding up past the largest float
        rounded = size
    if rounded < 1000:
        rounded = float(round(size))
    if rounded == 0:
        return "£0"
    for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if rounded >= scale:
            return f"{sign}£{significant(rounded / scale, 3)}{suffix}"
    return f"{sign}£{rounded:,.0f}"


def format_stat(value: float, form: Form, statistic: str = "mean", *,
                signed: bool = False) -> str:
    """Write one statistic of a metric for plain text, in its form; never in exponent form.

    Money is brief (:func:`format_money`); a share (``percent``) is a
    percentage, and its spread (sd, MCSE) in percentage points; a ratio has
    two decimals, or two significant figures for a spread; years one decimal
    (``never`` for a period that never comes); a quantity about three
    significant figures. A ``change`` of a share is in percentage points too.
    Not-a-number is ``-``; ``signed`` writes ``+`` before a positive number.

    Examples
    --------
    >>> format_stat(-1_726_725.3, "money"), format_stat(4_372.1, "money", "mcse")
    ('−£1.73m', '£4.37k')
    >>> format_stat(-0.8969, "percent"), format_stat(0.001554, "percent", "mcse")
    ('−89.7%', '0.16 pp')
    >>> format_stat(0.1031, "ratio"), format_stat(0.001554, "ratio", "mcse")
    ('0.10', '0.0016')
    >>> format_stat(float("inf"), "years"), format_stat(73.25, "quantity")
    ('never', '73.2')
    >>> format_stat(0.0000123, "quantity"), format_stat(12_345_678.0, "quantity")
    ('0.0000123', '12,345,678')
    >>> format_stat(-0.1774, "percent", "change", signed=True)
    '−17.7 pp'
    >>> format_stat(2e6, "money", signed=True)
    '+£2m'
    """
    if math.isnan(value):
        return "-"
    text = _stat(value, form, statistic)
    nonzero = any(digit in text for digit in "123456789")
    return "+" + text if signed and value > 0 and nonzero else text


def _stat(value: float, form: Form, statistic: str) -> str:
    if form == "money":
        return format_money(value)
    sign = MINUS if value < 0 else ""
    size = abs(value)
    if math.isinf(size):
        return ("never" if value > 0 else "-") if form == "years" else f"{sign}∞"
    spread = statistic in SPREADS
    if form == "percent" and statistic == "change":
        text = f"{size * 100:.1f} pp"
    elif form == "percent":
        text = f"{significant(size * 100, 2, trim=False)} pp" if spread else f"{size:.1%}"
    elif form == "ratio":
        text = significant(size, 2, trim=False) if spread else f"{size:,.2f}"
    elif form == "years":
        text = significant(size, 2, trim=False) if spread else f"{size:,.1f}"
    else:
        text = f"{size:,.0f}" if size >= 1000 else significant(size, 3)
    return sign + text if any(digit in text for digit in "123456789") else text


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
    return significant(magnitude, 3)


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
    return format_money(value)


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
