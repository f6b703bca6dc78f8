"""What the HTML reports share: the jinja2 environment, the atomic write, numbers, figures.

:mod:`bpv.html_report` (one bid) and :mod:`bpv.html_comparison` (several)
prepare plain strings and numbers with these helpers; their templates extend
``bpv/reporting/templates/_page.html.j2`` (style sheet, masthead, footer) and import
the macros of ``_macros.html.j2``. matplotlib is imported inside the
functions that draw.
"""

from __future__ import annotations

import base64
import io
import math
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import jinja2
    from matplotlib.axes import Axes

    from bpv.engine.results import Appraisal

__all__ = [
    "DASH",
    "METHODS",
    "METRICS",
    "MINUS",
    "Cell",
    "Figure",
    "Form",
    "cell",
    "entropy_text",
    "environment",
    "fmt",
    "form_of",
    "in_pounds",
    "number",
    "numbered",
    "percent_rate",
    "plain",
    "probability",
    "quantity",
    "replayable_from_command_line",
    "sampling_rows",
    "seed_argument",
    "short_pounds",
    "sig",
    "svg_uri",
    "write_whole",
]

Form = Literal["money", "percent", "ratio", "years", "quantity"]

#: How each ledger metric is named and written; unknown metrics are quantities.
METRICS: dict[str, tuple[str, Form]] = {
    "qalys": ("QALYs gained (discounted)", "quantity"),
    "npv": ("Net present value", "money"),
    "roi": ("Return on investment", "percent"),
    "bcr": ("Benefit–cost ratio", "ratio"),
    "cash_roi": ("Cash-releasing return on investment", "percent"),
    "payback": ("Payback period (years)", "years"),
    "cost_pv": ("Costs (present value)", "money"),
    "benefit_pv": ("Benefits (present value)", "money"),
    "cash_releasing_pv": ("Cash-releasing benefits (present value)", "money"),
    "income_pv": ("Income from other organisations (present value)", "money"),
    "nmb": ("Net monetary benefit", "money"),
}
MINUS = "\N{MINUS SIGN}"
DASH = "\N{EM DASH}"


def environment() -> jinja2.Environment:
    """Return the jinja2 environment of the report templates: autoescaped, strict."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("bpv.reporting", "templates"),
        # '.j2' is not among jinja2's default extensions; escape it and anything else too.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"),
                                            default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write_whole(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a new file beside ``path``, then rename it into place.

    The file is made with mode "x" (not :func:`tempfile.mkstemp`, whose files
    only their owner may read), so it gets the permissions of any new file.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("x", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# -- numbers in words -------------------------------------------------------------------


def form_of(metric: str) -> Form:
    """Return how a metric is written (``money`` for NPV, NMB at any λ ...)."""
    if metric.startswith("nmb@"):
        return "money"
    return METRICS.get(metric, (metric, "quantity"))[1]


def fmt(value: float, form: Form) -> str:
    """Write a number for a reader: ``£1,234,567``, ``−12.5%``, ``1.05``, ``never``.

    Examples
    --------
    >>> fmt(-1234567.4, "money"), fmt(0.1234, "percent"), fmt(float("inf"), "years")
    ('−£1,234,567', '12.3%', 'never')
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
    return sign + quantity(magnitude)


def _rounds_to_zero(value: float, form: Form) -> bool:
    places = {"money": 0, "percent": 3, "ratio": 2, "years": 1}.get(form)
    return places is not None and round(abs(value), places) == 0


def quantity(magnitude: float) -> str:
    """Write a non-negative quantity to about three significant figures, with commas."""
    if magnitude >= 100:
        return f"{magnitude:,.0f}"
    if magnitude >= 1:
        return f"{magnitude:,.1f}"
    return f"{magnitude:.3g}"


def sig(value: float) -> str:
    """Write a value to about three significant figures: ``−1,235``, ``0.0784``."""
    sign = MINUS if value < 0 and f"{abs(value):.3g}" != "0" else ""
    return sign + quantity(abs(value))


def number(value: float) -> str:
    """Write a number from a bid exactly but readably: ``350,000``, ``0.35``, ``2,800``."""
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def probability(share: float) -> str:
    """Write a probability as a percentage, never rounding a small chance to 0% or 100%."""
    if math.isnan(share):
        return DASH
    if 0 < share < 0.001:
        return "< 0.1%"
    if 0.999 < share < 1:
        return "> 99.9%"
    return f"{share:.1%}"


def percent_rate(rate: float) -> str:
    """Write a rate such as 0.035 as ``3.5%``."""
    return f"{rate * 100:.4g}%"


def entropy_text(entropy: int | Sequence[int]) -> str:
    """Write a seed's entropy as Python would take it back."""
    return str(entropy) if isinstance(entropy, int) else "(" + ", ".join(map(str, entropy)) + ")"


def plain(value: object) -> str:
    """Write a provenance value: numbers with commas, sequences joined."""
    if isinstance(value, float):
        return number(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(plain(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class Cell:
    """A number as shown (``text``) and as computed (``value``, kept in ``data-value``)."""

    text: str
    value: float


def cell(value: float, form: Form) -> Cell:
    """Return a Cell of ``value`` written in ``form``."""
    return Cell(fmt(value, form), value)


# -- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure: where it goes, its title and caption, and how to draw it on an Axes."""

    section: str
    title: str
    caption: str
    draw: Callable[[Axes], object]
    size: tuple[float, float] = (7.5, 3.4)


def svg_uri(figure: Figure) -> str:
    """Draw a figure off-screen and return it as an SVG ``data:`` URI (no pyplot, no backend)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure as Canvas

    # Text as paths (no fonts needed); stable ids; '$' in a bid's words is not mathtext.
    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "bpv-report",
                     "text.parse_math": False, "font.size": 9}):
        canvas = Canvas(figsize=figure.size, layout="constrained")
        figure.draw(canvas.add_subplot())
        buffer = io.BytesIO()
        canvas.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def in_pounds(ax: Axes, axis: Literal["x", "y"] = "x") -> Axes:
    """Label an axis in pounds: ``£1.5m``, ``−£250k``."""
    from matplotlib.ticker import FuncFormatter

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(
        FuncFormatter(lambda value, _: short_pounds(value)))
    return ax


def short_pounds(value: float) -> str:
    """Write an axis tick in pounds.

    Examples
    --------
    >>> short_pounds(-1_500_000), short_pounds(250_000), short_pounds(0)
    ('−£1.5m', '£250k', '£0')
    """
    sign, size = (MINUS if value < 0 else ""), abs(value)
    if size >= 1e6:
        return f"{sign}£{size / 1e6:,.4g}m"
    if size >= 1e3:
        return f"{sign}£{size / 1e3:,.4g}k"
    return f"{sign}£{size:,.4g}"


# -- Monte Carlo settings ------------------------------------------------------------------

METHODS = {"mc": "plain Monte Carlo", "lhs": "Latin hypercube sampling",
           "sobol": "scrambled Sobol points (quasi-Monte Carlo)"}


def seed_argument(appraisal: Appraisal) -> str:
    """Return the ``rng=`` value that replays an appraisal's draws, as Python source."""
    spawn_key = tuple(appraisal.provenance.get("spawn_key") or ())
    if spawn_key:
        return (f"numpy.random.SeedSequence({entropy_text(appraisal.entropy)}, "
                f"spawn_key={spawn_key})")
    return entropy_text(appraisal.entropy)


def replayable_from_command_line(appraisal: Appraisal) -> bool:
    """Whether ``--seed`` can replay the appraisal (a plain integer seed, no spawn key)."""
    return isinstance(appraisal.entropy, int) and not appraisal.provenance.get("spawn_key")


def sampling_rows(appraisal: Appraisal) -> list[tuple[str, str, bool]]:
    """Return the Monte Carlo settings as (label, value, monospaced) rows."""
    kept = (int(appraisal.subsample(appraisal.metrics[0]).shape[0]) if appraisal.metrics
            else appraisal.n_draws)
    spawn_key = tuple(appraisal.provenance.get("spawn_key") or ())
    rows = [("Draws", f"{appraisal.n_draws:,}", False),
            ("Sampling method", f"{METHODS.get(appraisal.method, appraisal.method)} "
                                f"({appraisal.method})", False),
            ("Seed entropy", entropy_text(appraisal.entropy), True)]
    if spawn_key:
        rows.append(("Spawn key", str(spawn_key), True))
    if kept < appraisal.n_draws:
        rows.append(("Draws kept", f"{kept:,}: means, MCSEs and P(> 0) use every draw; "
                                   "quantiles and other probabilities a systematic subsample",
                     False))
    return rows


def numbered(sections: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Return the template's ``sections`` (for the contents) and ``numbered`` (by id)."""
    listed = [{"id": key, "title": title, "number": index}
              for index, (key, title) in enumerate(sections, start=1)]
    return {"sections": listed, "numbered": {entry["id"]: entry for entry in listed}}
