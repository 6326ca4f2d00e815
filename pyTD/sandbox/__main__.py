"""``python -m pyTD.sandbox``: run the sandbox (see :func:`pyTD.sandbox.standalone.main`)."""

import sys

from pyTD.sandbox.standalone import main

if __name__ == "__main__":
    sys.exit(main())
