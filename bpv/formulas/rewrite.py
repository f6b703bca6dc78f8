"""Rewriting node formulas as text: what scenarios and settings adjustments use.

A transformed bid stays an ordinary bid whose formulas a user can read, so
adjustments are made by rewriting formula text rather than by hidden
arithmetic in the engine:

- :func:`scale_names` puts ``(x * k)`` wherever a formula uses ``x``;
- :func:`multiply` multiplies a whole formula: ``(<formula>) * k``.

Names are found with Python's tokenizer, so a name inside another name
(``rate`` in ``admit_rate``) or in a comment is never touched.
"""

from __future__ import annotations

import io
import math
import tokenize
from collections.abc import Mapping

__all__ = ["multiply", "number", "scale_names"]


def number(value: float) -> str:
    """Write a number for a formula: short, exact to 12 significant digits.

    Examples
    --------
    >>> number(0.3 * 0.51 + 0.7 * 0.24 + 1)
    '1.321'
    >>> number(2.0), number(1e-7)
    ('2', '1e-07')
    """
    if not math.isfinite(value):
        msg = f"cannot write {value!r} in a formula"
        raise ValueError(msg)
    return f"{value:.12g}"


def scale_names(text: str, factors: Mapping[str, str]) -> str:
    """Replace each use of a name by ``(name * factor)``.

    Parameters
    ----------
    text : str
        A valid formula.
    factors : mapping of str to str
        For each name to scale, the factor as formula text (``"0.9"`` or
        ``"evidence_gate"``).

    Returns
    -------
    str
        The formula with every use of those names scaled; unchanged when it
        uses none of them.

    Examples
    --------
    >>> scale_names("patients * admit_rate  # admit_rate per patient", {"admit_rate": "0.8"})
    'patients * (admit_rate * 0.8)  # admit_rate per patient'
    >>> scale_names("rate + admit_rate ** 2", {"admit_rate": "0.5"})
    'rate + (admit_rate * 0.5) ** 2'
    """
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    pieces: list[str] = []
    position = 0
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.NAME or token.string not in factors:
            continue
        (row, column), (end_row, end_column) = token.start, token.end
        start, end = offsets[row - 1] + column, offsets[end_row - 1] + end_column
        pieces += [text[position:start], f"({token.string} * {factors[token.string]})"]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def multiply(text: str, factor: str) -> str:
    r"""Multiply a whole formula by a factor: ``(<formula>) * factor``.

    A formula with a comment or several lines is bracketed on lines of its
    own, so that the comment cannot swallow the closing bracket.

    Examples
    --------
    >>> multiply("capex * (t == 0)", "1.321")
    '(capex * (t == 0)) * 1.321'
    >>> multiply("capex", "1.321")
    'capex * 1.321'
    >>> multiply("capex  # from the tender", "1.321")
    '(\ncapex  # from the tender\n) * 1.321'
    """
    stripped = text.strip()
    if "#" in text or "\n" in text or "\r" in text:
        return f"(\n{stripped}\n) * {factor}"
    if _is_single_token(stripped):
        return f"{stripped} * {factor}"
    return f"({stripped}) * {factor}"


def _is_single_token(text: str) -> bool:
    tokens = [token for token in tokenize.generate_tokens(io.StringIO(text).readline)
              if token.type not in {tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.NL}]
    return len(tokens) == 1 and tokens[0].type in {tokenize.NAME, tokenize.NUMBER}
