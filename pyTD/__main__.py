"""``python -m pyTD``: the ``pytd`` command line."""

import sys

from pyTD.cli import main

sys.exit(main())
