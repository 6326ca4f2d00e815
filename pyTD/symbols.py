"""Option symbols in either provider's form: build, parse, render.

TD Ameritrade writes ``AAPL_051724C190`` (underlying, ``MMDDYY``, C/P, strike as
written); Schwab writes the OCC form ``AAPL  240517C00190000`` (root padded to 6,
``YYMMDD``, C/P, strike x 1000 in 8 digits). :class:`OptionSymbol` reads both and
renders either::

    >>> from datetime import date
    >>> s = OptionSymbol.parse("AAPL_051724C190")
    >>> s.osi()
    'AAPL  240517C00190000'
    >>> OptionSymbol("F", date(2020, 12, 11), "CALL", "0.5").td()
    'F_121120C.5'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Union

from pyTD.exceptions import ValidationError

if TYPE_CHECKING:
    from pyTD.provider import Provider

_TD = re.compile(r"(?P<root>[A-Z0-9.$/]{1,12})_(?P<m>\d\d)(?P<d>\d\d)(?P<y>\d\d)(?P<side>[CP])"
                 r"(?P<strike>\d*\.?\d+)")
_OSI = re.compile(r"(?P<root>[A-Z0-9.$/ ]{6})(?P<y>\d\d)(?P<m>\d\d)(?P<d>\d\d)(?P<side>[CP])"
                  r"(?P<strike>\d{8})")
_SIDES = {"C": "CALL", "CALL": "CALL", "P": "PUT", "PUT": "PUT"}
_EXAMPLES = "'AAPL_051724C190' (TD) or 'AAPL  240517C00190000' (Schwab)"


@dataclass(frozen=True, init=False)
class OptionSymbol:
    """One listed option: underlying root, expiration date, ``"CALL"``/``"PUT"``, strike.

    >>> OptionSymbol("AAPL", date(2024, 5, 17), "C", 190).td()
    'AAPL_051724C190'
    """

    underlying: str
    expiration: date
    put_call: str
    strike: Decimal

    def __init__(self, underlying: str, expiration: date, put_call: str,
                 strike: Union[Decimal, int, float, str]) -> None:
        root = underlying.strip().upper() if isinstance(underlying, str) else ""
        if not root or len(root) > 6 or " " in root:
            raise ValidationError(f"An option's underlying must be a symbol of 1 to 6 "
                                  f"characters such as 'AAPL', not {underlying!r}.")
        if not isinstance(expiration, date):
            raise ValidationError(f"An option's expiration must be a date, not "
                                  f"{type(expiration).__name__}: pass date(2024, 5, 17).")
        side = _SIDES.get(str(put_call).strip().upper())
        if side is None:
            raise ValidationError(f"put_call must be 'CALL' or 'PUT' ('C'/'P'), not {put_call!r}.")
        price = _strike(strike)
        object.__setattr__(self, "underlying", root)
        object.__setattr__(self, "expiration", expiration)
        object.__setattr__(self, "put_call", side)
        object.__setattr__(self, "strike", price)

    @classmethod
    def parse(cls, text: str) -> OptionSymbol:
        """An option symbol in TD's or Schwab's form; ``ValidationError`` for anything else."""
        symbol = text.strip().upper() if isinstance(text, str) else ""
        match = _TD.fullmatch(symbol) or _OSI.fullmatch(text.upper() if isinstance(text, str)
                                                         else "")
        if match is None:
            raise ValidationError(f"{text!r} is not an option symbol: use the form {_EXAMPLES}.")
        try:
            expiration = date(2000 + int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            raise ValidationError(f"{text!r} has no valid expiration date: use the form "
                                  f"{_EXAMPLES}.") from None
        strike = match["strike"]
        value = Decimal(strike) / 1000 if match.re is _OSI else Decimal(strike)
        return cls(match["root"].strip(), expiration, match["side"], value)

    def td(self) -> str:
        """TD Ameritrade's form: ``AAPL_051724C190``."""
        text = format(self.strike.normalize(), "f")
        text = text[1:] if text.startswith("0.") else text
        return f"{self.underlying}_{self.expiration:%m%d%y}{self.put_call[0]}{text}"

    def osi(self) -> str:
        """The OCC form Schwab uses: ``AAPL  240517C00190000``."""
        thousandths = int(self.strike * 1000)
        return f"{self.underlying:<6}{self.expiration:%y%m%d}{self.put_call[0]}{thousandths:08d}"

    def render(self, provider: Provider) -> str:
        """The symbol in ``provider``'s form."""
        return self.osi() if provider.option_symbol_style == "osi" else self.td()


def is_option_symbol(text: Any) -> bool:
    """Whether ``text`` is an option symbol in either provider's form.

    >>> is_option_symbol("AAPL  240517C00190000"), is_option_symbol("AAPL")
    (True, False)
    """
    try:
        OptionSymbol.parse(text)
    except ValidationError:
        return False
    return True


def in_provider_form(symbol: str, provider: Provider) -> str:
    """``symbol`` as ``provider`` spells it: index and option symbols converted, others as given.

    >>> from pyTD.provider import SCHWAB, TD_AMERITRADE
    >>> in_provider_form("$SPX.X", SCHWAB), in_provider_form("AAPL  240517C00190000", TD_AMERITRADE)
    ('$SPX', 'AAPL_051724C190')
    """
    if symbol.startswith("$"):
        return provider.index_symbol(symbol)
    if is_option_symbol(symbol):
        return OptionSymbol.parse(symbol).render(provider)
    return symbol


def _strike(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(f"An option's strike must be a positive number, not {value!r}.")
    try:
        strike = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"An option's strike must be a positive number such as 190 or "
                              f"'42.5', not {value!r}.") from None
    if not strike.is_finite() or strike <= 0 or strike * 1000 != int(strike * 1000):
        raise ValidationError(f"An option's strike must be a positive number with at most "
                              f"three decimals, not {value!r}.")
    return strike
