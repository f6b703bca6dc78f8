"""Run the command line: parse, dispatch to the verb, and turn errors into exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from bpv.cli._guards import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from bpv.cli._parser import build_parser

__all__ = ["main"]

#: The exit code after Ctrl-C, as shells give it (128 + SIGINT).
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``bpv``; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 success; 1 the input is invalid; 2 the command line is wrong;
        70 an internal error; 130 interrupted.

    Examples
    --------
    >>> main(["validate", "examples/bids/frailty_virtual_ward.yaml"])
    examples/bids/frailty_virtual_ward.yaml: ok
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    command: Callable[[argparse.Namespace, TextIO], int] = args.command
    try:
        return command(args, sys.stdout)
    except BrokenPipeError:  # e.g. `bpv schema | head`
        return EXIT_OK
    except KeyboardInterrupt:
        print("bpv: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(f"bpv: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in bpv; please report it with the input that caused it "
              "(run again with --debug for the traceback).", file=sys.stderr)
        return EXIT_INTERNAL
