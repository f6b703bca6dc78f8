"""What the HTML reports share: the jinja2 environment, the atomic write, numbers, figures.

:mod:`bpv.html_report` (one bid) and :mod:`bpv.html_comparison` (several)
prepare plain strings and numbers with these helpers and those of
:mod:`bpv._utils.formatting` (labels, numbers); their templates extend
``bpv/reporting/templates/_page.html.j2`` (style sheet, masthead, footer) and import
the macros of ``_macros.html.j2``. matplotlib is imported inside the
functions that draw.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bpv._utils.formatting import Form, format_exact, format_pounds, format_value

if TYPE_CHECKING:
    import jinja2
    from matplotlib.axes import Axes

    from bpv.engine.results import Appraisal

__all__ = [
    "METHODS",
    "Cell",
    "Figure",
    "Setting",
    "cell",
    "entropy_text",
    "environment",
    "in_pounds",
    "numbered",
    "plain",
    "replayable_from_command_line",
    "sampling_rows",
    "seed_argument",
    "svg_uri",
]



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


# -- words for values ---------------------------------------------------------------------


def entropy_text(entropy: int | Sequence[int]) -> str:
    """Write a seed's entropy as Python would take it back."""
    return str(entropy) if isinstance(entropy, int) else "(" + ", ".join(map(str, entropy)) + ")"


def plain(value: object) -> str:
    """Write a provenance value: numbers with commas, sequences joined."""
    if isinstance(value, float):
        return format_exact(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(plain(item) for item in value)
    return str(value)


@dataclass(frozen=True, kw_only=True)
class Cell:
    """A number as shown (``text``) and as computed (``value``, kept in ``data-value``)."""

    text: str
    value: float


def cell(value: float, form: Form) -> Cell:
    """Return a Cell of ``value`` written in ``form`` (see ``format_value``)."""
    return Cell(text=format_value(value, form), value=value)


# -- figures ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
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
        FuncFormatter(lambda value, _: format_pounds(value)))
    return ax


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


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One row of a settings table: a label, its value, and whether the value is code-like."""

    label: str
    value: str
    monospaced: bool = False


def sampling_rows(appraisal: Appraisal) -> list[Setting]:
    """Return the Monte Carlo settings as rows of a settings table."""
    kept = (int(appraisal.subsample(appraisal.metrics[0]).shape[0]) if appraisal.metrics
            else appraisal.n_draws)
    spawn_key = tuple(appraisal.provenance.get("spawn_key") or ())
    rows = [Setting(label="Draws", value=f"{appraisal.n_draws:,}"),
            Setting(label="Sampling method",
                    value=f"{METHODS.get(appraisal.method, appraisal.method)} "
                          f"({appraisal.method})"),
            Setting(label="Seed entropy", value=entropy_text(appraisal.entropy), monospaced=True)]
    if spawn_key:
        rows.append(Setting(label="Spawn key", value=str(spawn_key), monospaced=True))
    if kept < appraisal.n_draws:
        rows.append(Setting(label="Draws kept",
                            value=f"{kept:,}: means, MCSEs and P(> 0) use every draw; quantiles "
                                  "and other probabilities a systematic subsample"))
    return rows


def numbered(sections: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Return the template's ``sections`` (for the contents) and ``numbered`` (by id)."""
    listed = [{"id": key, "title": title, "number": index}
              for index, (key, title) in enumerate(sections, start=1)]
    return {"sections": listed, "numbered": {entry["id"]: entry for entry in listed}}
