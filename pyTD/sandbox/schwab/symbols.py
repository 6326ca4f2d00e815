"""Schwab's symbol spellings over the shared universe (TD's spellings).

Indices lose TD's ``.X`` (``$SPX`` is the model's ``$SPX.X``) and options are
written in the OCC form (``AAPL  240517C00190000`` is ``AAPL_051724C190``).

    >>> to_model("AAPL  240517C00190000"), to_schwab("AAPL_051724C190")
    ('AAPL_051724C190', 'AAPL  240517C00190000')
    >>> to_model("$SPX"), to_schwab("$SPX.X"), to_model("$SPX.X")
    ('$SPX.X', '$SPX', '')
"""

from __future__ import annotations

import re

from pyTD.provider import SCHWAB
from pyTD.sandbox.data.options import parse_option, strike_text
from pyTD.sandbox.data.universe import FUTURE_OPTION_SYMBOL, OPTION_SYMBOL, UNIVERSE

OSI_SYMBOL = re.compile(r"(?P<root>[A-Z0-9.]{1,6}) *(?P<yy>\d\d)(?P<mm>\d\d)(?P<dd>\d\d)"
                        r"(?P<pc>[CP])(?P<strike>\d{8})\Z")


def to_model(symbol: str) -> str:
    """The universe's spelling of a Schwab symbol; ``""`` for a TD-only spelling
    (``$SPX.X``, ``AAPL_051724C190``, ``./ESH7C4500``)."""
    m = OSI_SYMBOL.match(symbol)
    if m and len(symbol) == 21:
        strike = strike_text(int(m["strike"]) / 1000)
        return f"{m['root']}_{m['mm']}{m['dd']}{m['yy']}{m['pc']}{strike}"
    if OPTION_SYMBOL.match(symbol):  # TD's option spelling
        return ""
    future_option = FUTURE_OPTION_SYMBOL.match(symbol)
    if future_option and len(future_option["year"]) == 1:  # TD's ./ESH7C4500
        return ""
    if symbol.startswith("$"):
        if symbol.upper().endswith(".X"):
            return ""
        if symbol + ".X" in UNIVERSE:
            return symbol + ".X"
    return symbol


def to_schwab(symbol: str) -> str:
    """Schwab's spelling of a universe symbol."""
    opt = parse_option(symbol)
    if opt is not None:
        return SCHWAB.option_symbol(opt.root, opt.expiry, "P" if opt.put else "C", opt.strike)
    if symbol.startswith("$"):
        return SCHWAB.index_symbol(symbol)
    return symbol
