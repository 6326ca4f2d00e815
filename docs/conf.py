"""Sphinx configuration of the pyTD documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
"""

import importlib.util
import os
import sys

# The package is normally installed (pip install -e ".[docs]"); the path makes a
# plain checkout build too.
sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

import pyTD

project = "pyTD"
author = "pyTD contributors"
copyright = "pyTD contributors"
version = release = pyTD.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "pytd_docs",  # _ext/pytd_docs.py: command help texts and the status table, from the code
]

root_doc = "index"
exclude_patterns = ["_build"]
nitpicky = False
language = "en"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = True

# pyTD.cache.conformance is a set of pytest contract tests and imports pytest, which
# the "docs" extra does not install: mock it only when it is really missing.
autodoc_mock_imports = [] if importlib.util.find_spec("pytest") else ["pytest"]

# furo: a maintained theme whose content column leaves code blocks room (at 1280 px a
# block holds about 90 characters); tests/e2e/test_docs_layout.py checks none overflows.
html_theme = "furo"
html_title = f"pyTD {release}"
if os.path.isdir(os.path.join(os.path.dirname(__file__), "_static")):
    html_static_path = ["_static"]
