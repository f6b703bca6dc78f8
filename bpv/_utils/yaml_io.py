"""YAML reading with line numbers and duplicate-key detection, and tidy YAML writing.

Only PyYAML's safe loader is used: a bid file can hold plain data and nothing
that runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

__all__ = ["dump_yaml", "located_nodes", "safe_load_with_lines"]

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

    Examples
    --------
    >>> data, lines, dups = safe_load_with_lines("a: 1\nb:\n  - x\n  - y\n")
    >>> lines[("b", 1)], dups
    (4, [])
    """
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
