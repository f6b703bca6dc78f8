"""Reading a formula: its size limits, and its text parsed to a syntax tree.

Nothing here runs the text: :func:`ast.parse` only builds a tree, after the
length and bracket depth are checked, so a hostile formula cannot exhaust the
parser.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Final

from bpv.errors import FormulaError

__all__ = ["MAX_FORMULA_DEPTH", "MAX_FORMULA_LENGTH", "MAX_FORMULA_NODES", "read_formula",
           "shorten"]

#: Most characters a formula may have.
MAX_FORMULA_LENGTH: Final = 2_000
#: Deepest nesting of brackets, and of sub-expressions, a formula may have.
MAX_FORMULA_DEPTH: Final = 100
#: Most sub-expressions (numbers, names, operations, calls) a formula may have.
MAX_FORMULA_NODES: Final = 1_000

# Python's tokenizer warns about (rather than rejects) some malformed text,
# such as ``1if x else 2``; parsing under this file name turns those warnings
# into SyntaxErrors without touching warnings from anywhere else.
_FILENAME: Final = "<bpv formula>"
_FILENAME_PATTERN: Final = re.escape(_FILENAME) + r"\Z"
_SNIPPET_LENGTH: Final = 40
_NEWLINE: Final = re.compile(r"\r\n|\r|\n")
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")
#: A number followed by ``%``: a percentage, where formulas take decimals.
_PERCENT: Final = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?|\.\d+)\s*%")


def read_formula(text: str) -> tuple[ast.Expression, str]:
    """Check the limits and parse; return the tree and the text it was parsed from.

    The tree is the whole expression, unchecked beyond its size: what it may
    contain is checked as it is compiled (:func:`bpv.formulas.parse_formula`).

    Raises
    ------
    FormulaError
        If the text is too long, empty, nested too deeply, has too many parts
        or is not valid syntax.

    Examples
    --------
    >>> tree, source = read_formula("  a * (b + 1)")
    >>> type(tree.body).__name__, source
    ('BinOp', 'a * (b + 1)')
    >>> read_formula("(" * 101 + "1" + ")" * 101)
    Traceback (most recent call last):
    ...
    bpv.errors.FormulaError: formula nests brackets 101 deep; the limit is 100
    >>> read_formula("referrals * 35%")
    Traceback (most recent call last):
    ...
    bpv.errors.FormulaError: a percentage is written as a decimal: write 0.35, not 35%
    """
    if len(text) > MAX_FORMULA_LENGTH:
        msg = f"formula is {len(text):,} characters long; the limit is {MAX_FORMULA_LENGTH:,}"
        raise FormulaError(msg)
    # Python's eval mode rejects leading whitespace ("unexpected indent").
    source = text.lstrip()
    if not source.strip():
        msg = "formula is empty"
        raise FormulaError(msg)
    level = deepest = 0
    for char in source:
        if char in _OPENING:
            level += 1
            deepest = max(deepest, level)
        elif char in _CLOSING:
            level -= 1
    if deepest > MAX_FORMULA_DEPTH:
        msg = f"formula nests brackets {deepest:,} deep; the limit is {MAX_FORMULA_DEPTH}"
        raise FormulaError(msg)
    percent = _PERCENT.search(source)
    if percent is not None:
        number = percent.group(1)
        msg = (f"a percentage is written as a decimal: write {float(number) / 100:g}, not "
               f"{number}%")
        raise FormulaError(msg)
    try:
        # catch_warnings swaps the process-wide filter list; parsing is cached
        # and happens when a bid is loaded, so this is brief and rare.
        with warnings.catch_warnings():
            warnings.filterwarnings("error", category=SyntaxWarning, module=_FILENAME_PATTERN)
            warnings.filterwarnings(
                "error", category=DeprecationWarning, module=_FILENAME_PATTERN
            )
            tree = ast.parse(source, filename=_FILENAME, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(_syntax_message(text, len(text) - len(source), exc)) from None
    except (RecursionError, MemoryError):
        msg = f"formula is nested too deeply to read; the limit is {MAX_FORMULA_DEPTH} levels"
        raise FormulaError(msg) from None
    except ValueError as exc:  # e.g. text that cannot be encoded as UTF-8
        msg = f"formula cannot be read: {exc}"
        raise FormulaError(msg) from None
    _check_size(tree)
    return tree, source


def _syntax_message(text: str, skipped: int, exc: SyntaxError) -> str:
    """Word a SyntaxError, with its position in the original text."""
    reason = "" if exc.msg == "invalid syntax" else f": {exc.msg}"
    line, column = exc.lineno, exc.offset
    if line is None or column is None:
        return f"invalid syntax{reason}"
    if column < 1:  # Python's way of pointing past the end
        return f"invalid syntax at the end of the formula{reason}"
    # Put back the whitespace stripped before parsing.
    prefix = text[:skipped]
    line += prefix.count("\n")
    if exc.lineno == 1:
        column += len(prefix) - (prefix.rfind("\n") + 1)
    lines = _NEWLINE.split(text)  # as Python's tokenizer splits lines, unlike str.splitlines
    where = f"line {line}, column {column}" if len(lines) > 1 else f"column {column}"
    rest = lines[line - 1][column - 1 :].strip() if line <= len(lines) else ""
    near = f" (at {shorten(rest)!r})" if rest else " (at the end)"
    return f"invalid syntax at {where}{near}{reason}"


def _check_size(tree: ast.Expression) -> None:
    """Check nesting depth and size without recursion, before compiling recursively."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            count += 1
            if depth > MAX_FORMULA_DEPTH:
                msg = (
                    f"formula is nested more than {MAX_FORMULA_DEPTH} levels deep; "
                    "split it into several nodes"
                )
                raise FormulaError(msg)
            if count > MAX_FORMULA_NODES:
                msg = (
                    f"formula has more than {MAX_FORMULA_NODES:,} parts; "
                    "split it into several nodes"
                )
                raise FormulaError(msg)
            depth += 1
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))


def shorten(snippet: str) -> str:
    """Return a piece of a formula on one line, cut to a length a message can quote."""
    snippet = " ".join(snippet.split())
    if len(snippet) > _SNIPPET_LENGTH:
        return snippet[: _SNIPPET_LENGTH - 3] + "..."
    return snippet
