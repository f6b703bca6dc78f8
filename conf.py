"""Sphinx configuration of bpv's documentation site.

Build it from the repository root (``pip install -e '.[docs]'`` first)::

    python -m sphinx -E -W --keep-going -b html . build/site

The source folder is the repository itself, so the markdown pages link to each other,
to the notebooks and to the examples with the same relative links that GitHub follows;
``include_patterns`` picks the pages. The API reference (``docs/api/``) is written at
each build from the package's ``__all__`` lists (:func:`_write_api_pages`), and the
notebooks are executed by myst-nb. Every warning fails the build (``-W``): a broken link
between pages, a broken cross-reference in a docstring, a notebook cell that raises.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import types
from pathlib import Path

from sphinx.util.nodes import make_refnode

import bpv

ROOT = Path(__file__).resolve().parent
API = ROOT / "docs" / "api"

project = "bpv"
author = "bpv developers"
copyright = "bpv developers, MIT licence"
release = bpv.__version__
version = release

root_doc = "docs/index"
include_patterns = ["README.md", "docs/**", "notebooks/*.ipynb", "examples/README.md",
                    "examples/**/README.md"]
exclude_patterns = ["build", "**/.ipynb_checkpoints"]

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",  # numpy-style docstrings, the house convention (ruff's D rules check it)
    "myst_nb",  # markdown pages (MyST) and notebooks, executed at build
]

# -- every warning is an error; cross-references are checked -----------------------
# ``-W`` on the command line turns warnings into errors; nitpicky makes an unresolved
# :func:/:class:/... reference in a docstring a warning too. Names from other projects
# are not linked (intersphinx needs the network, which CI does not have).
nitpicky = True
# docs/index.md lists the guides, then "*": security.md, left out of the list so that the
# glob always matches (Sphinx warns when one matches nothing), and any page not listed
# yet, so that a page merged from another branch joins the site by itself.
nitpick_ignore_regex = [
    # Private names (``bpv._utils``, ``bpv.spec._base.Spec``) are not in the reference: a
    # docstring or a base class may name one, and it stays plain text.
    (r"py:.*", r"bpv(\.\w+)*\._\w+.*"),
    (r"py:.*", r"(numpy|np|scipy|pandas|pd|matplotlib|networkx|nx|sqlalchemy|pydantic"
               r"|distributed|dask|numba|jinja2|yaml|concurrent|collections|typing"
               r"|pathlib|datetime|decimal|enum|os|io|re|json|sys|warnings|argparse"
               r"|contextlib|dataclasses|types|abc|hashlib|builtins|ast)\b.*"),
    (r"py:.*", r"(int|float|str|bytes|bool|None|object|dict|list|tuple|set|frozenset"
               r"|type|callable|Callable|Iterable|Iterator|Mapping|Sequence|Any"
               r"|Exception|ValueError|TypeError|KeyError|OSError|UserWarning|Warning"
               r"|RuntimeWarning|ArithmeticError|LookupError|IndexError|NotImplemented"
               r"|Path|Literal|Self|TypeAlias)"),
]

# -- markdown (MyST) ----------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath"]
# GitHub's anchors for headings (``howto.md#write-a-bid-run-it-and-read-the-result``).
myst_heading_anchors = 6

# -- notebooks (myst-nb) --------------------------------------------------------------
nb_execution_mode = "force"  # the notebooks are stored without outputs: run each one
nb_execution_timeout = 600
nb_execution_raise_on_error = True  # a cell that raises fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# -- API reference (autodoc + numpydoc) ---------------------------------------------
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False  # SQLAlchemy's and pydantic's docs are theirs
autodoc_preserve_defaults = True  # a default reads as written: DEFAULT_DRAWS, not 100000
autodoc_typehints = "none"  # numpydoc's Parameters section says the types, in words
autodoc_default_options = {"members": True, "show-inheritance": True}
numpydoc_show_class_members = False  # autodoc lists the members; no stub pages
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()  # ruff's pydocstyle (numpy) checks them

# -- HTML -----------------------------------------------------------------------------
html_theme = "furo"
html_title = f"bpv {release}"
html_static_path: list[str] = []
html_copy_source = False


def _public_modules() -> list[str]:
    """Every public module and package under bpv (a package's page may be its docstring alone).

    Packages before their modules, shallower before deeper: the order in which a name's
    home is chosen (:func:`_homes`). The command line (``bpv.cli``) is documented by its
    pages, not here.
    """
    names = []
    for info in pkgutil.walk_packages(bpv.__path__, prefix="bpv."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts) or parts[1] == "cli":
            continue
        names.append(info.name)
    return ["bpv", *sorted(names, key=lambda name: (name.count("."), name))]


def _homes(modules: list[str]) -> dict[int, str]:
    """Choose the one page that documents each class and function: its most public name.

    ``bpv.appraise`` is ``bpv.engine.appraise`` is ``bpv.engine.monte_carlo.appraise``:
    documented once, at the top level; the other pages link to it. Sphinx's duplicate
    descriptions (a warning, so an error) cannot arise.
    """
    homes: dict[int, str] = {}
    for module in modules:
        for name in importlib.import_module(module).__all__:
            value = getattr(importlib.import_module(module), name)
            if isinstance(value, type) or callable(value):
                homes.setdefault(id(value), f"{module}.{name}")
    return homes


def _summary(module: str) -> str:
    """Return the first line of a module's docstring, the summary its page opens with."""
    doc = (importlib.import_module(module).__doc__ or "").strip()
    first = doc.splitlines()[0] if doc else ""
    # Out of its module, :func:`appraise` would not resolve: the name alone, as code.
    return re.sub(r":\w+:`~?([^`<]+?)\s*(<[^`]*>)?`", r"``\1``", first)


def _title(text: str) -> str:
    return f"{text}\n{'=' * len(text)}\n"


def _entry(module: str, name: str, homes: dict[int, str]) -> str:
    """Return the reST for one public name of a module: its description, or a link to it."""
    value = getattr(importlib.import_module(module), name)
    full = f"{module}.{name}"
    if name == "__version__":
        return f".. py:data:: {full}\n   :value: {value!r}\n\n   bpv's version.\n"
    if isinstance(value, types.ModuleType):
        return f"``{full}``: the module :mod:`{value.__name__}`.\n"
    if isinstance(value, type) or callable(value):
        home = homes[id(value)]
        if home != full:
            role = "class" if isinstance(value, type) else "func"
            return f"``{name}``: see :{role}:`{home}`.\n"
        if isinstance(value, type):
            kind = "autoexception" if issubclass(value, BaseException) else "autoclass"
        else:
            kind = "autofunction"
        return f".. {kind}:: {full}\n"
    # Values whose repr is short and plain are shown (DEFAULT_DRAWS = 100000); long
    # strings and type aliases are described by their comment alone.
    plain = isinstance(value, int | float) or (isinstance(value, str) and len(value) < 60)
    return f".. autodata:: {full}\n" + ("" if plain else "   :no-value:\n")


def _write_api_pages() -> None:
    """Write docs/api/: a page for ``bpv`` and one for each public module and package.

    The pages are generated, not stored (``docs/api/`` is ignored by git): a public name
    added to an ``__all__`` appears in the reference at the next build, with its docstring.
    """
    API.mkdir(exist_ok=True)
    modules = _public_modules()
    homes = _homes(modules)
    pages = {}
    for module in modules:
        entries = [_entry(module, name, homes) for name in importlib.import_module(module).__all__]
        pages[module] = "\n".join([_title(module), f".. automodule:: {module}",
                                   "   :no-members:", "", *entries])
    ordered = sorted(modules)  # bpv, bpv.analysis.comparison, ..., bpv.transform.scenarios
    index = [_title("API reference"),
             "The names a user needs are at the top level, in :doc:`bpv`; the modules "
             "below hold the parts, for building on bpv. Each class and function is "
             "described once, under its most public name; the other modules that export "
             "it link there. Every page is generated from the package's ``__all__`` "
             "lists and docstrings.", "",
             ".. toctree::", "   :hidden:", "", *(f"   {name}" for name in ordered), "",
             ".. list-table::", "   :header-rows: 1", "", "   * - module", "     - what it holds"]
    for name in ordered:
        index += [f"   * - :doc:`{name}`", f"     - {_summary(name)}"]
    pages["index"] = "\n".join(index) + "\n"
    wanted = {f"{name}.rst" for name in pages}
    for stale in API.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in pages.items():
        path = API / f"{name}.rst"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")  # rewritten only when changed


def _aliases(modules: list[str], homes: dict[int, str]) -> dict[str, str]:
    """Every other public name of a documented class or function, with its home.

    Its other exports (``bpv.engine.appraise``) and the name it is defined under
    (``bpv.engine.monte_carlo.appraise``): a docstring may cite any of them.
    """
    aliases = {}
    for module in modules:
        for name in importlib.import_module(module).__all__:
            value = getattr(importlib.import_module(module), name)
            if id(value) in homes:
                home = homes[id(value)]
                aliases[f"{module}.{name}"] = home
                aliases[f"{value.__module__}.{value.__qualname__}"] = home
    return {alias: home for alias, home in aliases.items() if alias != home}


def _register_aliases(app, env) -> None:
    """Let a cross-reference to an alias, or to a member through it, find the home entry."""
    modules = _public_modules()
    by_home: dict[str, list[str]] = {}
    for alias, home in _aliases(modules, _homes(modules)).items():
        by_home.setdefault(home, []).append(alias)
    objects = env.get_domain("py").objects
    for name, entry in list(objects.items()):
        parts = name.split(".")
        for length in range(len(parts), 1, -1):  # the longest home that contains the name
            home, member = ".".join(parts[:length]), "".join(f".{p}" for p in parts[length:])
            if home in by_home:
                for alias in by_home[home]:
                    objects.setdefault(alias + member, entry._replace(aliased=True))
                break


_DOCSTRING_OF = re.compile(r"docstring of ([\w.]+)")


def _resolve_where_written(app, env, node, contnode):
    """Resolve a name in a docstring as Python would in the module it is written in.

    ``bpv.appraise`` is documented on the ``bpv`` page, but its docstring is written in
    ``bpv.engine.monte_carlo``, where ``:data:`DEFAULT_DRAWS``` means that module's
    constant, and ``:class:`Observation``` in ``bpv.tracking.actuals`` means the class
    that module imports: the name is looked up from the docstring's innermost scope
    outwards, then among the module's imports, as a reader of the source would.
    """
    if node.get("refdomain") != "py":
        return None
    written = _DOCSTRING_OF.search(node.source or "")
    if written is None:
        return None
    objects = env.get_domain("py").objects
    target = node["reftarget"]
    scope = written.group(1).split(".")
    candidates = [".".join([*scope[:length], target]) for length in range(len(scope), 0, -1)]
    candidates += _imported_as(scope, target) + _inherited_as(scope, target)
    for name in candidates:
        entry = objects.get(name)
        if entry is not None:
            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id,
                                contnode, name)
    return None


def _imported_as(scope: list[str], target: str) -> list[str]:
    """Return the public names of what ``target`` is in the module of ``scope``, if imported."""
    for length in range(len(scope), 0, -1):
        try:
            found: object = importlib.import_module(".".join(scope[:length]))
        except ImportError:
            continue
        head, *rest = target.split(".")
        found = getattr(found, head, None)
        if found is None:
            return []
        names = [f"{module}.{name}" for module in _public_modules()
                 for name in importlib.import_module(module).__all__
                 if getattr(importlib.import_module(module), name) is found]
        qualified = getattr(found, "__qualname__", None)
        if qualified is not None:
            names.append(f"{found.__module__}.{qualified}")
        return [".".join([name, *rest]) for name in names]
    return []


def _inherited_as(scope: list[str], target: str) -> list[str]:
    """Return the names ``target`` has on the bases of the class the docstring is in.

    ``:meth:`to_frame``` in a method of a class that inherits ``to_frame`` means the
    base's method, which is documented on the base's page, not again on the class's.
    """
    for length in range(len(scope) - 1, 0, -1):
        try:
            found: object = importlib.import_module(".".join(scope[:length]))
        except ImportError:
            continue
        for part in scope[length:]:
            if isinstance(found, type):
                return [f"{base.__module__}.{base.__qualname__}.{target}"
                        for base in found.__mro__[1:]]
            found = getattr(found, part, None)
        return [f"{base.__module__}.{base.__qualname__}.{target}"
                for base in getattr(found, "__mro__", ())[1:]]
    return []


def _readable_signature(app, what, name, obj, options, signature, return_annotation):
    """Show a dataclass field's ``default_factory`` as ``...``, not ``<factory>``.

    ``<factory>`` is not Python, so Sphinx would split the signature at every comma,
    inside string defaults too, and read the pieces as names to link.
    """
    if signature and "<factory>" in signature:
        return signature.replace("<factory>", "..."), return_annotation
    return None


def _redirect_to_root(app, exception) -> None:
    """Write index.html at the top of the site, sending the reader to docs/index.html."""
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / "index.html").write_text(
            '<!DOCTYPE html>\n<meta charset="utf-8">\n<title>bpv</title>\n'
            '<meta http-equiv="refresh" content="0; url=docs/index.html">\n'
            '<a href="docs/index.html">bpv documentation</a>\n', encoding="utf-8")


def setup(app):
    """Write the API pages; register the aliases once read; redirect the site's root."""
    _write_api_pages()
    app.connect("env-updated", _register_aliases)
    app.connect("missing-reference", _resolve_where_written)
    app.connect("autodoc-process-signature", _readable_signature)
    app.connect("build-finished", _redirect_to_root)
    return {"parallel_read_safe": True}

