"""YAML reading with line numbers and duplicate-key detection, and tidy YAML writing.

Only PyYAML's safe loader is used: a bid file can hold plain data and nothing
that runs. Before a document is built, its events are counted in one pass
(:func:`check_document_size`): how deep it nests, and how many keys and items
it holds once every alias is expanded. A few hundred bytes of nested aliases
("billion laughs") would otherwise expand to billions of items in everything
that walks the document afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, Final

import yaml

from bpv.errors import LimitError

__all__ = ["MAX_DEPTH", "MAX_ITEMS", "check_document_size", "check_json_depth", "dump_yaml",
           "located_nodes", "safe_load_with_lines"]

#: Deepest nesting of mappings and sequences a document may have (a bid needs about 6).
MAX_DEPTH: Final = 64
#: Most keys, items and values a document may hold, counting each alias as what it
#: stands for (a bid of 1,000 nodes and a 100,000-value empirical distribution fits).
MAX_ITEMS: Final = 500_000

Path = tuple[str | int, ...]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load_with_lines(
    text: str,
) -> tuple[Any, dict[Path, int], list[tuple[Path, str, int]]]:
    r"""Parse YAML safely and record the line of every key and item.

    Parameters
    ----------
    text : str
        YAML (or JSON) text.

    Returns
    -------
    data : Any
        The parsed document (None for an empty one).
    lines : dict of path to int
        1-based line of each mapping key and sequence item, by its path.
    duplicates : list of (path, key, first_line)
        Keys repeated within one mapping, which YAML would otherwise
        silently resolve to the last.

    Raises
    ------
    yaml.YAMLError
        If the text is not YAML.
    LimitError
        If it nests deeper than :data:`MAX_DEPTH` or holds more than
        :data:`MAX_ITEMS` keys and items with its aliases expanded.

    Examples
    --------
    >>> data, lines, dups = safe_load_with_lines("a: 1\nb:\n  - x\n  - y\n")
    >>> lines[("b", 1)], dups
    (4, [])
    """
    check_document_size(text)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    duplicates: list[tuple[Path, str, int]] = []
    if root is not None:
        lines[()] = root.start_mark.line + 1
        for path, node, line in located_nodes(root):
            lines[path] = line
            del node
        duplicates = _duplicate_keys(root, ())
    return data, lines, duplicates


def check_document_size(text: str, *, max_depth: int = MAX_DEPTH,
                        max_items: int = MAX_ITEMS) -> int:
    r"""Count a YAML document's items, aliases expanded, without building it; return the count.

    One pass over the parser's events: a collection, a key or a value counts
    one, an alias counts what its anchor holds. Stops at the first event past a limit.

    Raises
    ------
    LimitError
        Past either limit, with the line where it was passed.
    yaml.YAMLError
        If the text is not YAML.

    Examples
    --------
    >>> check_document_size("a: [1, 2]\nb: {c: 3}\n")  # the root, 4 keys, 2 lists, 3 values
    9
    >>> laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    ...     f"{n}: &{n} [{', '.join([f'*{m}'] * 10)}]\n" for m, n in zip("abcdefgh", "bcdefghi"))
    >>> len(laughs) < 500
    True
    >>> check_document_size(laughs)
    Traceback (most recent call last):
    ...
    bpv.errors.LimitError: the document holds more than 500,000 keys and items once its aliases (*name) are expanded; the limit is 500,000
    """  # noqa: E501 (doctest output is one line)
    loader = _Loader(text)
    expanded = 0
    open_collections: list[tuple[int, str | None]] = []
    anchors: dict[str, int] = {}
    try:
        while loader.check_event():
            event: yaml.Event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.CollectionStartEvent):
                open_collections.append((expanded, event.anchor))
                expanded += 1
                if len(open_collections) > max_depth:
                    msg = (f"the document nests deeper than {max_depth} levels; the limit is "
                           f"{max_depth}")
                    raise LimitError(msg, line=_line(event))
            elif isinstance(event, yaml.CollectionEndEvent):
                before, anchor = open_collections.pop()
                if anchor is not None:
                    anchors[anchor] = expanded - before
            elif isinstance(event, yaml.ScalarEvent):
                expanded += 1
                if event.anchor is not None:
                    anchors[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                expanded += anchors.get(event.anchor or "", 1)
            if expanded > max_items:
                msg = (f"the document holds more than {max_items:,} keys and items once its "
                       f"aliases (*name) are expanded; the limit is {max_items:,}")
                raise LimitError(msg, line=_line(event))
    finally:
        loader.dispose()
    return expanded



def _line(event: yaml.Event) -> int | None:
    return None if event.start_mark is None else event.start_mark.line + 1


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


def check_json_depth(text: str, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse JSON that nests deeper than ``max_depth``, before the JSON parser recurses.

    Raises
    ------
    LimitError
        With the line of the first bracket past the limit.

    Examples
    --------
    >>> check_json_depth('{"a": [[1], "[[[["]}', max_depth=3)
    >>> check_json_depth('[[[[1]]]]', max_depth=3)
    Traceback (most recent call last):
    ...
    bpv.errors.LimitError: the document nests deeper than 3 levels; the limit is 3
    """
    outside_strings = _JSON_STRING.sub('""', text)
    brackets = _JSON_BRACKETS.findall(outside_strings)
    steps = (1 if bracket in "[{" else -1 for bracket in brackets)
    for position, depth in enumerate(accumulate(steps)):
        if depth > max_depth:
            opened = [m.start() for m in _JSON_BRACKETS.finditer(outside_strings)][position]
            line = outside_strings.count("\n", 0, opened) + 1
            msg = f"the document nests deeper than {max_depth} levels; the limit is {max_depth}"
            raise LimitError(msg, line=line)


def located_nodes(node: yaml.Node, path: Path = ()) -> Iterator[tuple[Path, yaml.Node, int]]:
    """Yield the path, node and 1-based line of every key and item under ``node``."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*path, key)
            yield child, value_node, key_node.start_mark.line + 1
            yield from located_nodes(value_node, child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            yield child, item, item.start_mark.line + 1
            yield from located_nodes(item, child)


def _duplicate_keys(node: yaml.Node, path: Path) -> list[tuple[Path, str, int]]:
    found: list[tuple[Path, str, int]] = []
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                found.append(((*path, key), key, first_line[key]))
            else:
                first_line[key] = line
            found += _duplicate_keys(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += _duplicate_keys(item, (*path, index))
    return found


class _TidyDumper(yaml.SafeDumper):
    """Safe dumper that writes small flat mappings on one line, like hand-written bids."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.MappingNode:
    flat = all(not isinstance(v, dict | list | tuple) for v in data.values())
    short = sum(len(str(k)) + len(str(v)) + 4 for k, v in data.items()) <= 90
    no_long_text = all(not (isinstance(v, str) and ("\n" in v or len(v) > 40))
                       for v in data.values())
    return dumper.represent_mapping(
        "tag:yaml.org,2002:map", data.items(), flow_style=bool(data) and flat and short
        and no_long_text
    )


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_float(dumper: yaml.SafeDumper, data: float) -> yaml.ScalarNode:
    if data.is_integer() and abs(data) < 1e15:
        return dumper.represent_int(int(data))
    return dumper.represent_float(data)


_TidyDumper.add_representer(dict, _represent_dict)
_TidyDumper.add_representer(str, _represent_str)
_TidyDumper.add_representer(float, _represent_float)


def dump_yaml(data: Any) -> str:
    """Return YAML text for plain data, keys in their given order.

    Examples
    --------
    >>> print(dump_yaml({"id": "x", "p": {"dist": "normal", "mean": 2800.0, "sd": 300.0}}))
    id: x
    p: {dist: normal, mean: 2800, sd: 300}
    <BLANKLINE>
    """
    return yaml.dump(data, Dumper=_TidyDumper, sort_keys=False, allow_unicode=True, width=100)
