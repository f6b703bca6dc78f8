"""The tutorial notebooks run from top to bottom and are stored clean.

See docs/design/architecture.md, "Conventions": the documentation is tested.

Each notebook is executed in a fresh ``python3`` kernel whose working
directory is ``notebooks/``, with bpv's own warnings turned into errors as in
the rest of the suite. The copies on disk must hold no outputs, so a diff
shows only what someone wrote.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))

# Run before the notebook's own cells, as pytest's filterwarnings does for the suite.
_SETUP = """\
import warnings

import bpv

warnings.simplefilter("error", bpv.BPVWarning)
"""


def test_the_tutorial_notebooks_are_there():
    assert {path.name for path in NOTEBOOKS} >= {"01_quickstart.ipynb", "02_build_a_bid.ipynb",
                                                 "03_compare_schemes.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs; clear them before saving"
            assert cell.execution_count is None, f"cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_finds_its_files_from_any_folder(path):
    # A path relative to notebooks/ ("../examples/...") breaks when the notebook is opened
    # from the repository root; the notebooks find the root by walking up instead.
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert "../" not in cell.source, f"cell {index} uses a path relative to notebooks/"


def test_the_readme_lists_every_notebook():
    readme = (NOTEBOOKS_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert [path.name for path in NOTEBOOKS if f"notebooks/{path.name}" not in readme] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_without_errors(path):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(_SETUP))
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
