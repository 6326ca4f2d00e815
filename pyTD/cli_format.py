"""Plain-text tables for the command line."""

from __future__ import annotations

from typing import Any, Sequence


def cell(value: Any) -> str:
    """A value as table text: floats with 2 decimals (4 below 1), ``-`` for missing."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned text columns, numbers right-aligned, with a header rule.

    >>> print(table(["symbol", "last"], [["AAPL", 189.5]]))
    symbol    last
    ------  ------
    AAPL    189.50
    """
    texts = [[cell(v) for v in row] for row in rows]
    def is_number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    numeric = [any(row[i] is not None for row in rows)
               and all(is_number(row[i]) for row in rows if row[i] is not None)
               for i in range(len(headers))]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(list(headers)), line(["-" * w for w in widths]),
                      *(line(r) for r in texts)])
