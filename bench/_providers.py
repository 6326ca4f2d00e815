"""The ``--provider {tdameritrade,schwab,both}`` option shared by the benchmarks."""

from __future__ import annotations

import argparse

PROVIDERS = ("tdameritrade", "schwab")

#: One authenticated GET per provider for the per-request overhead comparison: a
#: single-symbol quote (Schwab's path form ``/{symbol}/quotes``).
QUOTE_GET = {"tdameritrade": ("/marketdata/quotes", {"symbol": "AAPL"}),
             "schwab": ("/marketdata/v1/AAPL/quotes", {})}


def add_provider_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", choices=(*PROVIDERS, "both"), default="both",
                        help="which provider's sandbox to measure (default: both)")


def chosen(args: argparse.Namespace) -> tuple[str, ...]:
    return PROVIDERS if args.provider == "both" else (args.provider,)
