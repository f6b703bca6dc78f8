"""Writing new data over a YAML document a person wrote, keeping their comments and layout.

:func:`update_yaml` reads the old text with ruamel.yaml's round-trip loader,
which keeps comments, key order, flow or block style and the way each scalar
was written, changes in place only what differs from the new data, and
writes it back. What did not change is written as it was (``0.10`` stays
``0.10``, a quoted string stays quoted, a comment stays on its line); what is
new is written as :func:`bpv._utils.yaml_io.dump_yaml` writes it. Items of a
list of mappings with an ``id`` (a bid's nodes and organisations) are
matched by id, so a node removed or added leaves the others' comments where
they were.

Safety: the text must first pass :func:`bpv._utils.yaml_io.safe_load_with_lines`
(the size, depth and alias limits, and PyYAML's safe loader, which refuses
tags that would build objects); ruamel's round-trip loader builds only its
own containers and scalars (an unknown tag is kept as text, never run), and
only for a file the user asks to write over.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Mapping
from typing import Any

from bpv._utils.yaml_io import safe_load_with_lines

__all__ = ["restore_layout", "update_yaml"]

_MAPPING_INDENT = re.compile(r"^( +)[^\s#-][^:\n]*:", re.MULTILINE)
_SEQUENCE_DASH = re.compile(r"^( *)- ", re.MULTILINE)
#: A flat mapping this short is written on one line, as bids are written by hand.
_FLOW_WIDTH = 90


def update_yaml(text: str, data: Mapping[str, Any], *,
                same: Callable[[Any, Any], bool] | None = None) -> str:
    r"""Return ``text`` changed to hold ``data``, keeping its comments, key order and layout.

    Parameters
    ----------
    text : str
        A YAML document whose root is a mapping.
    data : mapping
        Plain data (mappings, lists, strings, numbers, booleans, None).
    same : callable, optional
        ``same(old, new)`` is true when an old value, written another way,
        already says what the new one says (a bid's ``0`` for
        ``{dist: fixed, value: 0}``); the old is then kept as written.

    Returns
    -------
    str
        YAML that reads back to ``data``.

    Raises
    ------
    LimitError, yaml.YAMLError
        If ``text`` fails the safe loader or its limits.
    ValueError
        If the root of ``text`` is not a mapping.

    Examples
    --------
    >>> print(update_yaml("a: 1   # one\nb: [x, y]  # letters\n", {"a": 2, "b": ["x", "y"]}))
    a: 2   # one
    b: [x, y]  # letters
    <BLANKLINE>
    """
    safe_load_with_lines(text)  # the limits and the safe loader, before ruamel reads it
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never fold a line a person wrote
    mapping, offset = _indents(text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    document = yaml.load(text)
    if not isinstance(document, CommentedMap):
        msg = "the document's root is not a mapping"
        raise ValueError(msg)
    _merge(document, data, same or _never)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def restore_layout(old: str, new: str) -> str:
    r"""Put back what ruamel.yaml drops of ``old``: spacing, and comments on lines of their own.

    ruamel.yaml drops the spaces that align values after their keys
    (``referrals:        {dist: ...}``), may move an end-of-line comment, and
    drops a comment on a line of its own after a one-line item that has no
    comment of its own. Each line of ``new`` that equals a line of ``old``
    but for spacing is written as it was, and a comment line of ``old`` that
    ``new`` lost is put back where it stood. The caller checks that the
    result reads back to the same data.

    Examples
    --------
    >>> restore_layout("a:    1  # x\nb:    2\n", "a: 1  # x\nb: 3\n")
    'a:    1  # x\nb: 3\n'
    >>> print(restore_layout("n:\n  - {id: a}\n  # about b\n  - {id: b}\n",
    ...                      "n:\n  - {id: a}\n  - {id: b, x: 1}\n"), end="")
    n:
      - {id: a}
      # about b
      - {id: b, x: 1}
    """
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=[_spacing_free(line) for line in old_lines],
                                      b=[_spacing_free(line) for line in new_lines],
                                      autojunk=False)
    restored: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            restored += old_lines[i1:i2]
            continue
        kept = {_spacing_free(line) for line in new_lines[j1:j2]}
        restored += [line for line in old_lines[i1:i2]
                     if line.lstrip().startswith("#") and _spacing_free(line) not in kept]
        restored += new_lines[j1:j2]
    return "".join(restored)


_SPACING = re.compile(r"(?<=:)[ \t]+|[ \t]+(?=#)|[ \t]+$")


def _spacing_free(line: str) -> str:
    return _SPACING.sub(" ", line.rstrip("\n"))


def _indents(text: str) -> tuple[int, int]:
    """Guess the indentation of mappings and the offset of a list's dash from the text."""
    mapping = _MAPPING_INDENT.search(text)
    dash = _SEQUENCE_DASH.search(text)
    return (len(mapping.group(1)) if mapping else 2), (len(dash.group(1)) if dash else 0)


def _never(old: Any, new: Any) -> bool:
    return False


def _merge(old: Any, new: Any, same: Callable[[Any, Any], bool]) -> Any:
    """Return ``old`` changed in place to equal ``new`` where it can be, else ``new`` made fresh."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if same(old, new):
        return old
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        for key in [key for key in old if key not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _merge(old[key], value, same) if key in old else _fresh(value)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list | tuple):
        _merge_list(old, list(new), same)
        return old
    if _same_scalar(old, new):
        return old
    if isinstance(old, str) and isinstance(new, str) and type(old) is not str \
            and "\n" not in new:
        return type(old)(new)  # a quoted string stays quoted the same way
    return _fresh(new)


def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, Mapping | list) or isinstance(new, Mapping | list | tuple):
        return False
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, str) != isinstance(new, str):
        return False
    return bool(old == new)


def _identity(item: Any) -> Any:
    return item.get("id") if isinstance(item, Mapping) else None


def _merge_list(old: Any, new: list[Any], same: Callable[[Any, Any], bool]) -> None:
    """Change a list in place to ``new``: by id where every item has one, else by position."""
    old_ids, new_ids = [_identity(item) for item in old], [_identity(item) for item in new]
    by_id = None not in old_ids and None not in new_ids \
        and len(set(old_ids)) == len(old_ids) and len(set(new_ids)) == len(new_ids)
    if not by_id:
        for index, item in enumerate(new[:len(old)]):
            old[index] = _merge(old[index], item, same)
        del old[len(new):]
        old.extend(_fresh(item) for item in new[len(old):])
        return
    kept = set(new_ids)
    for index in reversed(range(len(old))):
        if old_ids[index] not in kept:
            del old[index]
    remaining = [_identity(item) for item in old]
    if remaining == [item_id for item_id in new_ids if item_id in set(remaining)]:
        for index, item in enumerate(new):  # old[:index] now matches new[:index]
            if index < len(old) and _identity(old[index]) == _identity(item):
                old[index] = _merge(old[index], item, same)
            else:
                old.insert(index, _fresh(item))
        return
    items = {_identity(item): item for item in old}  # reordered: comments follow positions
    merged = [_merge(items[_identity(item)], item, same) if _identity(item) in items
              else _fresh(item) for item in new]
    del old[:]
    old.extend(merged)


def _fresh(value: Any) -> Any:
    """Return new data as ruamel writes it tidily: short flat mappings on one line."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, Mapping):
        mapping = CommentedMap((key, _fresh(item)) for key, item in value.items())
        flat = all(not isinstance(item, Mapping | list | tuple) for item in value.values())
        short = sum(len(str(key)) + len(str(item)) + 4 for key, item in value.items()) \
            <= _FLOW_WIDTH
        plain = all(not (isinstance(item, str) and ("\n" in item or len(item) > 40))
                    for item in value.values())
        if value and flat and short and plain:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        sequence = CommentedSeq(_fresh(item) for item in value)
        if all(not isinstance(item, Mapping | list | tuple) for item in value):
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value
