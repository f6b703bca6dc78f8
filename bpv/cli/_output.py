"""``--format`` and ``-o FILE``: one way for every command that prints results to give them.

Every such command (appraise, compare, sensitivity, scenarios, batch,
portfolio, track status) takes :func:`add_output_arguments`'s flags:

- ``--format text|json|csv|xlsx|parquet`` (``--json`` is ``--format json``);
- ``-o FILE``: write to the file instead, whole or not at all; without
  ``--format`` the format is the file's suffix (``.csv``, ``.xlsx``,
  ``.parquet``, ``.json``, ``.txt``).

xlsx and parquet are files, not text: without ``-o`` they are refused
(exit 2), as is a ``--format`` that contradicts the file's suffix. The
output file is checked before any work (a folder, a device, one of the
command's inputs is refused), and a missing library of the tables extra is
one line, ``pip install 'bpv[tables]'``, and exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TextIO

from bpv._utils.frames import tables_module
from bpv._utils.output import output_problem, write_whole
from bpv.cli._guards import EXIT_INVALID, EXIT_OK, EXIT_USAGE, reason
from bpv.engine.long_form import LongTable
from bpv.errors import BPVError
from bpv.spec.bid import Bid
from bpv.tables.writing import FORMATS, SUFFIXES, csv_text, format_of, write_table

__all__ = ["add_output_arguments", "check_output", "emit"]

#: Formats that are files only, never printed, and the library each needs.
FILE_ONLY = {"xlsx": "openpyxl", "parquet": "pyarrow.parquet"}


def add_output_arguments(parser: argparse.ArgumentParser, *, csv: str = "") -> None:
    """Add ``--format``, ``--json`` and ``-o/--output`` to a command's parser.

    Parameters
    ----------
    csv : str
        What the command's CSV holds, for ``--help`` (default: the long form).
    """
    what = csv or ("csv: one number a row (bid, scope, metric, unit, statistic, value, seed, "
                   "draws, method, bid_hash)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help=f"what to print or write (default text, or -o FILE's suffix); "
                        f"{what}; xlsx: an Excel workbook; parquet: the long form; xlsx and "
                        "parquet need -o FILE and pip install 'bpv[tables]'")
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument("-o", "--output", type=_file_name, metavar="FILE",
                        help="write to this file instead, whole or not at all (the format from "
                        f"its suffix: {', '.join(SUFFIXES)}, unless --format says)")


def _file_name(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, got an empty one")
    return Path(text)


def check_output(args: argparse.Namespace, command: str,
                 inputs: Iterable[Path] = ()) -> int | None:
    """Settle ``args.format`` from the flags and check the output file, before any work.

    Sets ``args.format`` (``args.json`` is then whether it is json) and
    returns None when all is well; otherwise prints why and returns the exit
    code: 2 for a misused command line, 1 for a file that must not be written.
    """
    output: Path | None = args.output
    if args.json and args.format not in (None, "json"):
        return _usage(command, f"--json and --format {args.format} disagree; give one")
    if output is not None:
        problem = output_problem(output, [path for path in inputs if path.is_file()])
        if problem is not None:
            print(f"bpv: cannot write {output}: {problem}", file=sys.stderr)
            return EXIT_INVALID
    chosen = "json" if args.json else args.format
    suffix = None if output is None else format_of(output)
    if output is not None and chosen is None:
        if suffix is None:
            return _usage(command, f"-o {output}: cannot tell the format from the suffix; give "
                          f"--format {'|'.join(FORMATS)} or a file name ending in "
                          f"{', '.join(SUFFIXES)}")
        chosen = suffix
    if suffix is not None and chosen is not None and suffix != chosen:
        return _usage(command, f"--format {chosen} but -o {output} ends in "
                      f"{output.suffix if output else ''}; give a matching file name")
    chosen = chosen or "text"
    if chosen in FILE_ONLY and output is None:
        return _usage(command, f"--format {chosen} writes a file: give -o FILE.{chosen}")
    args.format, args.json = chosen, chosen == "json"
    if chosen in FILE_ONLY:  # a missing extra is said before the work, not after it
        try:
            tables_module(FILE_ONLY[chosen])
        except ModuleNotFoundError as exc:
            print(f"bpv: {exc}", file=sys.stderr)
            return EXIT_INVALID
    return None


def _usage(command: str, message: str) -> int:
    print(f"{command}: {message}", file=sys.stderr)
    return EXIT_USAGE


def emit(args: argparse.Namespace, out: TextIO, result: LongTable, *, text: Callable[[], str],
         bid: Bid | None = None, bids: Mapping[str, Bid] | None = None,
         long: bool = False) -> int:
    """Print the result in ``args.format``, or write it to ``args.output`` and print the path.

    ``text`` gives the command's text output; ``bid`` and ``bids`` go to the
    workbook (the hypotheses register); ``long`` asks a batch's CSV for the
    long form.
    """
    output: Path | None = args.output
    if output is None:
        printed = (text() if args.format == "text" else csv_text(result, long=long)
                   if args.format == "csv" else str(result.to_json()))  # type: ignore[attr-defined]
        out.write(printed if printed.endswith("\n") else printed + "\n")
        return EXIT_OK
    try:
        if args.format == "text":
            write_whole(output, text() + "\n")
        else:
            write_table(result, output, format=args.format, bid=bid, bids=bids, long=long)
    except ModuleNotFoundError as exc:
        print(f"bpv: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (OSError, BPVError) as exc:
        print(f"bpv: cannot write {output}: {reason(exc)}", file=sys.stderr)
        return EXIT_INVALID
    out.write(f"{output}\n")
    return EXIT_OK
