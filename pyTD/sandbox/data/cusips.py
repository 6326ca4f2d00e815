"""CUSIPs: the real ones of the universe, synthetic valid ones for other symbols."""

from __future__ import annotations

from pyTD.sandbox.data.seeded import digest
from pyTD.sandbox.data.universe import UNIVERSE

_CUSIP_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*@#"


def cusip_check_digit(base: str) -> str:
    """The ninth character of a CUSIP whose first eight are ``base``."""
    total = 0
    for i, char in enumerate(base.upper()):
        value = _CUSIP_CHARS.index(char)
        if i % 2:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def cusip(seed: int, symbol: str) -> str:
    """The CUSIP of ``symbol``: the real one for the universe, else a synthetic valid one."""
    if symbol in UNIVERSE:
        return UNIVERSE[symbol].cusip
    raw = digest(seed, "cusip", symbol)
    issuer = "".join(_CUSIP_CHARS[b % 36] for b in raw[:6])
    base = issuer + str(raw[6] % 90 + 10)
    return base + cusip_check_digit(base)
