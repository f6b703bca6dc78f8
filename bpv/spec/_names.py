"""Rules for the names users give to parameters, nodes, organisations and bids."""

from __future__ import annotations

import keyword
import re
from typing import Annotated

from pydantic import AfterValidator

from bpv.formulas.compiler import RESERVED_NAMES
from bpv.spec._base import spec_error

__all__ = ["NAME_PATTERN", "Name", "check_name", "name_problem"]

#: A parameter or node name: a letter, then letters, digits or underscores.
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MAX_NAME_LENGTH = 64


def name_problem(name: str, reserved: frozenset[str] = frozenset()) -> str | None:
    """Say what is wrong with a name that formulas refer to, or return None.

    Parameters
    ----------
    name : str
        The name to check.
    reserved : frozenset of str
        Names the formula language keeps for itself (``t``, function names).

    Examples
    --------
    >>> name_problem("admit_rate") is None
    True
    >>> name_problem("2nd_wave")
    "'2nd_wave' is not a valid name: use a letter, then letters, digits or underscores"
    """
    if len(name) > _MAX_NAME_LENGTH:
        return (f"name '{name[:20]}...' is {len(name)} characters long; "
                f"the limit is {_MAX_NAME_LENGTH}")
    if not NAME_PATTERN.fullmatch(name):
        return f"'{name}' is not a valid name: use a letter, then letters, digits or underscores"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"'{name}' is a reserved word of the formula language; choose another name"
    if name in reserved:
        return f"'{name}' is reserved by the formula language; choose another name"
    return None


def check_name(name: str) -> str:
    """Validate a name for pydantic, raising a worded error.

    The reserved names of the formula language are checked where the name
    is used, since they depend on the formula module.
    """
    problem = name_problem(name, RESERVED_NAMES)
    if problem:
        raise spec_error(problem)
    return name


#: A string that is a valid parameter or node name.
Name = Annotated[str, AfterValidator(check_name)]
