"""Reading and writing bid files (YAML or JSON, one schema).

Problems are reported all at once, each with its location in the document and,
where the loader can tell, its line.

Bids come from other organisations, so reading is bounded before anything is
built: only a regular file is read, at most :data:`MAX_FILE_BYTES` of it, and
a document may nest at most 64 levels and hold at most 500,000 keys and items
with its YAML aliases expanded (:mod:`bpv._utils.yaml_io`). Past a limit the
file is refused with the limit named (docs/limits.md lists them all).
"""

from __future__ import annotations

import errno
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal, get_args

import yaml
from pydantic import ValidationError

from bpv._utils.files import read_regular_file
from bpv._utils.output import write_whole
from bpv._utils.validation import check_choice, check_instance
from bpv._utils.yaml_io import check_json_depth, safe_load_with_lines
from bpv._utils.yaml_roundtrip import restore_layout, update_yaml
from bpv.errors import (
    BidValidationError,
    BidWarning,
    BPVError,
    LimitError,
    Problem,
    SpecError,
    did_you_mean,
    format_location,
)
from bpv.spec.bid import Bid
from bpv.spec.locations import problems_from_validation_error
from bpv.spec.portfolio import PortfolioConstraints

__all__ = ["FORMATS", "MAX_FILE_BYTES", "Format", "dumps", "load", "load_constraints", "loads",
           "loads_constraints", "problems_from_validation_error", "save", "update_bid"]

Format = Literal["yaml", "json"]
FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
#: The largest bid file read, in bytes (2 MiB: a bid of a thousand nodes and an
#: empirical distribution of 100,000 values fits, and reading it stays well
#: under 500 MB of memory).
MAX_FILE_BYTES: Final = 2 * 1024 * 1024


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
    text, file_format = _read_file(path)
    return loads(text, format=file_format, source=str(path))


def _read_file(path: Path) -> tuple[str, Format]:
    """Read a bid or constraints file, with its format told by its suffix."""
    text = _read_text(path)
    return text, _format_of(path)


def _format_of(path: Path) -> Format:
    """Tell a bid or constraints file's format from its suffix, or say why not."""
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        msg = (f"cannot tell the format of '{path}' from its suffix "
               f"'{path.suffix}'; use one of {', '.join(FORMATS)}")
        raise SpecError(msg)
    return file_format


def _read_text(path: Path) -> str:
    """Read a regular file of at most MAX_FILE_BYTES as UTF-8; never a device or a pipe."""
    if path.is_dir():  # the system's own words ("is a directory"), as for a missing file
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    try:
        data = read_regular_file(path, limit=MAX_FILE_BYTES, what="a bid file")
    except SpecError as exc:  # not a regular file, or past the limit (a LimitError)
        raise BidValidationError([Problem("", str(exc))], source=str(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = Problem("", f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at byte "
                          f"{exc.start:,} cannot be decoded; save the file as UTF-8", line)
        raise BidValidationError([problem], source=str(path)) from None


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
        With every problem found, each located; a text longer than
        :data:`MAX_FILE_BYTES` characters, nested deeper than 64 levels or
        holding more than 500,000 keys and items (aliases expanded) is
        refused with its limit before anything is built.

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
    data, lines, problems = _parse_within_limits(text, format, source=source, what="a bid")
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


def _parse_within_limits(text: str, format: Format, *, source: str | None,
                         what: str) -> tuple[Any, dict[tuple[str | int, ...], int], list[Problem]]:
    """Parse text of at most MAX_FILE_BYTES characters; a limit passed is a located problem."""
    if len(text) > MAX_FILE_BYTES:
        problem = Problem("", f"the text is longer than {MAX_FILE_BYTES:,} characters, the "
                          f"limit for {what} (docs/limits.md)")
        raise BidValidationError([problem], source=source)
    try:
        return _parse(text, format)
    except LimitError as exc:
        raise BidValidationError([Problem("", str(exc), exc.line)], source=source) from None


def _parse(
    text: str, format: Format
) -> tuple[Any, dict[tuple[str | int, ...], int], list[Problem]]:
    """Parse the text; return the data, the lines of its paths, and syntax problems."""
    if format == "json":
        check_json_depth(text)
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


def save(bid: Bid, path: str | Path) -> Path:
    """Write a bid to a YAML or JSON file; over a YAML file, keep its comments and key order.

    Comments are where a bid records its rationale. Saved over a YAML file
    already there (the bid's own file, loaded and changed in Python), the
    file keeps its comments, the order of its keys, its flow or block style
    and the way each unchanged value was written; only what differs from
    ``bid`` is rewritten, and nodes and organisations are matched by id. A
    new file, or a JSON one, is written as :func:`dumps` writes it. The file
    is replaced whole or not at all.

    Parameters
    ----------
    bid : Bid
    path : str or pathlib.Path
        A ``.yaml``, ``.yml`` or ``.json`` file, new or existing.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    SpecError
        If the suffix says no known format, or the path is a folder, a
        symbolic link, a device or a pipe.
    BidValidationError
        If the file there is larger than :data:`MAX_FILE_BYTES` or not UTF-8.
    OSError
        If the file cannot be written.

    Warns
    -----
    BidWarning
        If the YAML file there cannot be read as a mapping (then it is
        written afresh, without its comments).

    See Also
    --------
    update_bid : change values of a bid file by their paths, and save it.

    Examples
    --------
    >>> import bpv, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bid.yaml"
    >>> _ = path.write_text(pathlib.Path("examples/bids/frailty_virtual_ward.yaml").read_text())
    >>> data = bpv.load(path).to_dict()
    >>> data["settings"]["qaly_value"] = 60_000
    >>> _ = save(bpv.Bid.model_validate(data), path)
    >>> [line for line in path.read_text().splitlines() if "qaly_value" in line]
    ['  qaly_value: 60000          # GBP per QALY used to monetise health']
    """
    check_instance(bid, Bid, name="bid", function="save", expected="a bpv.Bid (use bpv.load)")
    path = Path(path)
    file_format = _format_of(path)
    text = dumps(bid, format=file_format)
    if file_format == "yaml" and path.is_file() and not path.is_symlink():
        text = _written_over(_read_text(path), bid, source=str(path)) or text
    write_whole(path, text)
    return path


def _written_over(old: str, bid: Bid, *, source: str) -> str | None:
    """Return the bid written over the old text, keeping its comments; None if it cannot be."""
    data = bid.to_dict()
    try:
        if loads(old, source=source).to_dict() == data:
            return old  # nothing changed: not a byte either
        merged = update_yaml(old, data, same=_fixed_written_short)
        for text in (restore_layout(old, merged), merged):  # aligned as it was, if it can be
            if loads(text, source=source).to_dict() == data:
                return text
    except (BPVError, ValueError, yaml.YAMLError) as exc:
        why = str(exc).splitlines()[0]
    else:  # pragma: no cover - a safeguard: the merge reads back to the bid
        why = "the merged text did not read back to the bid"
    warnings.warn(f"the comments of {source} could not be kept ({why}); it is written afresh",
                  BidWarning, stacklevel=3)
    return None


def _fixed_written_short(old: Any, new: Any) -> bool:
    """Say whether a bare number says the fixed parameter: ``0`` is ``{dist: fixed, value: 0}``."""
    return isinstance(old, int | float) and not isinstance(old, bool) \
        and isinstance(new, Mapping) and set(new) == {"dist", "value"} \
        and new["dist"] == "fixed" and new["value"] == old


def update_bid(path: str | Path, changes: Mapping[str, Any]) -> Bid:
    """Change values of a bid file by their paths, check the bid, and save it with its comments.

    Parameters
    ----------
    path : str or pathlib.Path
        A bid file (YAML keeps its comments: see :func:`save`).
    changes : mapping of str to object
        New values by dotted path, as the file is written:
        ``"settings.qaly_value"``, ``"parameters.tariff.mean"``,
        ``"parameters.tariff"`` (a whole parameter), a node or organisation
        by its id (``"nodes.ward.success"``), a list item by its index
        (``"organisations.0.name"``). A new key is added; the value None
        removes the key.

    Returns
    -------
    Bid
        The changed bid, as saved.

    Raises
    ------
    SpecError
        If a path leads nowhere (with the closest names).
    BidValidationError
        If the changed bid is invalid; the file is then left as it was.

    Examples
    --------
    >>> import bpv, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bid.yaml"
    >>> _ = path.write_text(pathlib.Path("examples/bids/frailty_virtual_ward.yaml").read_text())
    >>> bid = update_bid(path, {"parameters.tariff.mean": 3000, "nodes.ward.success": 0.7})
    >>> bid.node("ward").success, bid.parameters["tariff"].distribution.mean
    (0.7, 3000.0)
    >>> "# first financial year, 2025/26" in path.read_text()
    True
    """
    path = Path(path)
    data = load(path).to_dict()
    for dotted, value in changes.items():
        _set_path(data, str(dotted), value)
    try:
        bid = Bid.model_validate(data)
    except ValidationError as exc:
        raise BidValidationError(problems_from_validation_error(exc),
                                 source=str(path)) from None
    save(bid, path)
    return bid


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set (or, for None, remove) the value at a dotted path of a bid's plain data."""
    *parents, last = dotted.split(".")
    here: Any = data
    for depth, part in enumerate([*parents, last]):
        key = _step(here, part, dotted, ".".join([*parents, last][:depth]))
        if depth == len(parents):
            if value is None:
                del here[key]
            else:
                here[key] = value
            return
        if isinstance(here, dict) and key not in here:
            msg = (f"no key '{key}' under '{'.'.join(parents[:depth]) or 'the bid'}' in the "
                   f"path '{dotted}'{did_you_mean(str(key), here)}")
            raise SpecError(msg)
        here = here[key]


def _step(here: Any, part: str, dotted: str, done: str) -> Any:
    """Return the key or index ``part`` names in ``here``; raise naming the closest."""
    where = f" under '{done}'" if done else ""
    if isinstance(here, dict):
        return part
    if isinstance(here, list):
        ids = [item.get("id") for item in here if isinstance(item, dict)]
        if part in ids:
            return ids.index(part)
        if part.isdigit() and int(part) < len(here):
            return int(part)
        msg = (f"no item '{part}'{where} in the path '{dotted}'"
               f"{did_you_mean(part, [i for i in ids if isinstance(i, str)])}")
        raise SpecError(msg)
    msg = f"the path '{dotted}' goes past the value{where}, which is not a mapping or a list"
    raise SpecError(msg)


def load_constraints(path: str | Path) -> PortfolioConstraints:
    """Read a portfolio's constraints (``portfolio.yaml``) from a YAML or JSON file.

    Read with the same limits as a bid (size, nesting, items, duplicate
    keys), every problem located at its line.

    Raises
    ------
    BidValidationError
        If the file is not valid constraints; ``.problems`` lists each.

    Examples
    --------
    >>> import bpv
    >>> constraints = bpv.io.load_constraints("examples/portfolio/constraints.yaml")
    >>> [budget.label for budget in constraints.budgets][:2]
    ['capital 2025/26', 'capital 2026/27']
    """
    path = Path(path)
    text, file_format = _read_file(path)
    return loads_constraints(text, format=file_format, source=str(path))


def loads_constraints(text: str, *, format: Format = "yaml", source: str | None = None
                      ) -> PortfolioConstraints:
    """Read a portfolio's constraints from YAML or JSON text (see :func:`load_constraints`).

    Examples
    --------
    >>> import bpv
    >>> bpv.io.loads_constraints("budgets: [{limit: 1_000_000, cost_typ: capital}]")
    Traceback (most recent call last):
    ...
    bpv.errors.BidValidationError: 1 problem found:
      line 1: budgets[0].cost_typ: unknown key 'cost_typ' (did you mean 'cost_type'?)
    """
    check_choice(format, get_args(Format), name="format", function="loads_constraints")
    data, lines, problems = _parse_within_limits(text, format, source=source,
                                                 what="a constraints file")
    if data is None and not problems:
        data = {}
    if not problems and not isinstance(data, Mapping):
        problems.append(Problem("", f"a constraints file must hold a mapping (budgets, floors, "
                                f"capacity, ...); this one is a {type(data).__name__}",
                                lines.get(())))
    if problems:
        raise BidValidationError(problems, source=source)
    try:
        return PortfolioConstraints.model_validate(data)
    except ValidationError as exc:
        raise BidValidationError(
            problems_from_validation_error(exc, lines), source=source) from None
