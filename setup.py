"""Packaging for pyTD (distribution ``pytd-ameritrade``, import name ``pyTD``)."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
INIT = (HERE / "pyTD" / "__init__.py").read_text()
VERSION = re.search(r'__version__ = "([^"]+)"', INIT).group(1)

EXTRAS = {
    "pandas": ["pandas>=1.3"],
    # Kept so that `pip install "pytd-ameritrade[https]"` still works: cryptography (the
    # callback's self-signed certificate) is a core dependency since Schwab requires https.
    "https": [],
    "docs": ["sphinx>=5", "furo>=2023.3"],
    # RedisCache: one token store for processes on many hosts.
    "redis": ["redis>=5"],
    # Progress bars of bulk calls (progress=True, the CLI); a plain line without it.
    "progress": ["tqdm>=4"],
    # Streaming (api.stream(), pytd stream): the websockets client.
    "stream": ["websockets>=12"],
}
EXTRAS["test"] = [
    "pytest>=7",
    "pytest-timeout>=2",
    "hypothesis>=6",
    "playwright>=1.40",
    "nbclient>=0.7",
    "nbformat>=5",
    "ipykernel>=6",
    "ruff>=0.4",
    "mypy>=1.8",
    "build>=1",   # the install test builds a wheel (offline: --no-isolation, with wheel)
    "wheel",
    *EXTRAS["pandas"],
    *EXTRAS["https"],
    *EXTRAS["docs"],
    *EXTRAS["redis"],
    *EXTRAS["progress"],
    *EXTRAS["stream"],
]

setup(
    name="pytd-ameritrade",
    version=VERSION,
    description="Python client for the TD Ameritrade developer API, its OAuth 2.0 flow, "
                "and a local sandbox that emulates it",
    long_description=(HERE / "README.rst").read_text(),
    long_description_content_type="text/x-rst",
    license="MIT",
    packages=find_packages(include=["pyTD", "pyTD.*"]),
    package_data={"pyTD": ["py.typed", "auth/pages/*.html", "sandbox/pages/*.html"]},
    python_requires=">=3.9",
    install_requires=["requests>=2.25", "appdirs>=1.4", "cryptography>=3.4"],
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["pytd = pyTD.cli:main"]},
    classifiers=[
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3",
        "Topic :: Office/Business :: Financial :: Investment",
    ],
)
