"""Run the command line: parse, dispatch to the verb, and turn errors into exit codes."""

from __future__ import annotations

import argparse
import errno
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO, cast

from bpv.cli._guards import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, EXIT_USAGE, reason
from bpv.cli._parser import build_parser
from bpv.cli._terminal import EscapingStream, escape_controls
from bpv.errors import BPVWarning

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
    stdout, stderr = sys.stdout, sys.stderr
    try:
        with warnings.catch_warnings():
            # bpv's own warnings only: the verbs print them, worded for a bid's reader.
            warnings.simplefilter("ignore")
            warnings.simplefilter("default", BPVWarning)
            # Whatever a bid's text holds, no control character reaches the terminal.
            sys.stdout = cast(TextIO, EscapingStream(stdout))
            sys.stderr = cast(TextIO, EscapingStream(stderr))
            return command(args, sys.stdout)
    except BrokenPipeError:  # e.g. `bpv schema | head`
        return EXIT_OK
    except KeyboardInterrupt:
        print("bpv: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        if getattr(args, "debug", False):
            raise
        print("bpv: out of memory: the run needs more memory than this machine gave it; "
              "try fewer draws (--draws), a smaller --subsample, or fewer bids at a time",
              file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        if getattr(args, "debug", False):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(escape_controls(f"bpv: {where}{reason(exc)}; {_os_advice(exc)}"), file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(f"bpv: internal error: {type(exc).__name__}: {escape_controls(str(exc))}\n"
              "This is a bug in bpv; please report it with the input that caused it "
              "(run again with --debug for the traceback).", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _os_advice(exc: OSError) -> str:
    """Return what to try after a failed read or write, by its cause."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space on that disk, or write the output elsewhere (-o)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "check the file's and its folder's permissions, or write the output elsewhere (-o)"
    return "check the file and the disk, then run again"
