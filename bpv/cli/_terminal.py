r"""Text from a bid reaches the terminal escaped: no control characters, no bidi overrides.

A title, id or organisation name may hold ESC (a terminal escape sequence that
recolours, retitles or rewrites the screen), BEL, a carriage return that
overwrites the line, or a right-to-left override that shows text in another
order than it is. Everything the command line prints goes through
:class:`EscapingStream`, which writes each such character as its escape
(``\x1b``, ``\u202e``); newlines and tabs stay. In JSON the escape is the
same string to a parser (``json.dumps`` escapes C0 controls already).
"""

from __future__ import annotations

import re
from typing import TextIO

__all__ = ["EscapingStream", "escape_controls"]

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional
#: marks, embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    r"""Return ``text`` with terminal control characters written as escapes.

    Examples
    --------
    >>> escape_controls("North\x1b[2J ICB\u202e\n")
    'North\\x1b[2J ICB\\u202e\n'
    """
    return _CONTROLS.sub(_escape, text)


class EscapingStream:
    """A text stream that escapes control characters before writing to ``stream``.

    ``unescaped`` is the stream itself, for a progress bar's own carriage returns.
    """

    def __init__(self, stream: TextIO) -> None:
        self.unescaped = stream

    def write(self, text: str) -> int:
        self.unescaped.write(escape_controls(text))
        return len(text)

    def flush(self) -> None:
        self.unescaped.flush()

    def isatty(self) -> bool:
        return self.unescaped.isatty()

    def __getattr__(self, name: str) -> object:
        return getattr(self.unescaped, name)
