"""Reading and writing bid files (YAML or JSON, one schema).

Problems are reported all at once, each with its location in the document and,
where the loader can tell, its line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import ValidationError

from bpv._utils.validation import check_choice
from bpv._utils.yaml_io import safe_load_with_lines
from bpv.errors import BidValidationError, Problem, SpecError, format_location
from bpv.spec.bid import Bid
from bpv.spec.locations import problems_from_validation_error

__all__ = ["FORMATS", "Format", "dumps", "load", "loads", "problems_from_validation_error"]

Format = Literal["yaml", "json"]
FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def load(path: str | Path) -> Bid:
    """Read a bid from a YAML or JSON file.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.yaml``, ``.yml`` or ``.json`` file.

    Returns
    -------
    Bid

    Raises
    ------
    BidValidationError
        If the file is not a valid bid; ``.problems`` lists every problem
        with its location and line.
    SpecError
        If the file's suffix says no known format.
    OSError
        If the file cannot be read.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> bid.id, bid.horizon, len(bid.nodes)
    ('frailty-virtual-ward', 5, 8)
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        msg = (f"cannot tell the format of '{path}' from its suffix "
               f"'{path.suffix}'; use one of {', '.join(FORMATS)}")
        raise SpecError(msg)
    return loads(text, format=file_format, source=str(path))


def loads(text: str, *, format: Format = "yaml", source: str | None = None) -> Bid:
    """Read a bid from YAML or JSON text.

    Parameters
    ----------
    text : str
        The document.
    format : {'yaml', 'json'}, default 'yaml'
        How the text is written. YAML is read with a safe loader only.
    source : str, optional
        Where the text came from, for messages.

    Returns
    -------
    Bid

    Raises
    ------
    BidValidationError
        With every problem found, each located.

    Examples
    --------
    >>> import bpv
    >>> bpv.loads("id: x")
    Traceback (most recent call last):
    ...
    bpv.errors.BidValidationError: 5 problems found:
      line 1: missing required key 'title'
      line 1: missing required key 'start_year'
      line 1: missing required key 'horizon'
      line 1: missing required key 'organisations'
      line 1: missing required key 'nodes'
    """
    check_choice(format, get_args(Format), name="format", function="loads")
    data, lines, problems = _parse(text, format)
    if not problems and not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problems.append(Problem("", f"a bid file must hold a mapping of bid fields "
                                f"(id, title, nodes, ...); this one is {kind}", lines.get(())))
    if problems:
        raise BidValidationError(problems, source=source)
    try:
        return Bid.model_validate(data)
    except ValidationError as exc:
        raise BidValidationError(
            problems_from_validation_error(exc, lines), source=source
        ) from None


def _parse(
    text: str, format: Format
) -> tuple[Any, dict[tuple[str | int, ...], int], list[Problem]]:
    """Parse the text; return the data, the lines of its paths, and syntax problems."""
    if format == "json":
        try:
            data = json.loads(text, object_pairs_hook=_reject_duplicate_json_keys)
        except json.JSONDecodeError as exc:
            return None, {}, [Problem("", f"not valid JSON: {exc.msg}", exc.lineno)]
        except _DuplicateKeyError as exc:
            return None, {}, [Problem("", str(exc), None)]
        try:
            _, lines, _ = safe_load_with_lines(text)  # JSON is YAML: borrow its line marks
        except yaml.YAMLError:
            lines = {}
        return data, lines, []
    try:
        data, lines, duplicates = safe_load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"not valid YAML: {reason}" + (f" ({context})" if context else "")
        return None, {}, [Problem("", message, line)]
    problems = [
        Problem(format_location(path[:-1]), f"duplicate key '{key}' (first at line {first})",
                lines.get(path))
        for path, key, first in duplicates
    ]
    return data, lines, problems


class _DuplicateKeyError(ValueError):
    pass


def _reject_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            msg = f"duplicate key '{key}' in a JSON object"
            raise _DuplicateKeyError(msg)
        result[key] = value
    return result


def dumps(bid: Bid, *, format: Format = "yaml", indent: int | None = 2) -> str:
    """Write a bid as YAML or JSON text that reads back to an equal bid.

    Parameters
    ----------
    bid : Bid
    format : {'yaml', 'json'}, default 'yaml'
    indent : int or None, default 2
        JSON indentation (``None`` for one line).

    Returns
    -------
    str

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> bpv.loads(bid.to_yaml()) == bid and bpv.loads(bid.to_json(), format="json") == bid
    True
    """
    check_choice(format, get_args(Format), name="format", function="dumps")
    if format == "yaml":
        return bid.to_yaml()
    return bid.to_json(indent=indent)
