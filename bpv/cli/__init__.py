"""The ``bpv`` command line: one verb per job, plain text by default, ``--json`` for machines.

Exit codes: 0 success; 1 the input is invalid; 2 the command line is wrong;
70 an internal error (a bug in bpv, please report it). A user's mistake
never produces a traceback.

:func:`main` runs it (the ``bpv`` console script and ``python -m bpv``). The
verbs' flags are built in :mod:`bpv.cli._parser`, one builder per verb; what
each verb does is in :mod:`bpv.cli._commands`; loading bids and reporting a
user's errors without a traceback is in :mod:`bpv.cli._guards`.
"""

from bpv.cli._entry import main

__all__ = ["main"]
