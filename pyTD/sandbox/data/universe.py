"""The symbol universe: which symbols exist, their asset types, descriptions,
listing exchanges and price levels.

What exists is a fixed table of real symbols (:data:`UNIVERSE`, with their
CUSIPs), a few placeholders (:data:`SEEDED_SYMBOLS`), the numbered test symbols
(:data:`NUMBERED_SYMBOL`), the extra symbols a sandbox was given
(:class:`Universe`), the options on any of those and the options on its futures
(:data:`FUTURE_OPTION_SYMBOL`). Every other symbol is
unknown and is answered as TD answered an unknown symbol. Facts about a known
symbol that is not in the table are drawn from the seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from pyTD.sandbox.data.seeded import pick, unit

PLAIN_SYMBOL = re.compile(r"[A-Z0-9.$/-]{1,24}\Z")
OPTION_SYMBOL = re.compile(
    r"(?P<underlying>[A-Z0-9.$/-]{1,12})_(?P<month>\d\d)(?P<day>\d\d)(?P<year>\d\d)"
    r"(?P<putcall>[CP])(?P<strike>\d*\.?\d+)\Z"
)
#: Options on futures: ``./`` + the future's root + month code + year (TD one digit,
#: Schwab two) + ``C``/``P`` + strike (``./ESH7C4500``, ``./ESH27C4500``).
FUTURE_OPTION_SYMBOL = re.compile(
    r"\./(?P<root>[A-Z0-9]{1,4}?)(?P<month>[FGHJKMNQUVXZ])(?P<year>\d{1,2})"
    r"(?P<putcall>[CP])(?P<strike>\d*\.?\d+)\Z"
)
#: Option roots of the indices (``SPX_...`` options settle on ``$SPX.X``).
INDEX_ROOTS = {"$SPX.X": "SPX", "$DJI": "DJX", "$COMPX": "COMPX", "$VIX.X": "VIX"}
FOREX_SYMBOL = re.compile(r"[A-Z]{3}/[A-Z]{3}\Z")
#: Numbered test symbols: ``H``, ``Q``, ``R`` or ``S`` and one to four digits (``Q0``,
#: ``Q0042``, ``R299``, ``S1``). They exist as synthetic equities, so that batching tests
#: and benchmarks can ask for hundreds of distinct symbols.
NUMBERED_SYMBOL = re.compile(r"[HQRS][0-9]{1,4}\Z")


def asset_type(symbol: str) -> Optional[str]:
    """``EQUITY``, ``ETF``, ``INDEX``, ``FUTURE``, ``FOREX``, ``OPTION`` or ``FUTURE_OPTION``;
    None when malformed.

    This is the kind a well-formed symbol would have, whether or not it exists:
    see :class:`Universe` for what exists.
    """
    if OPTION_SYMBOL.match(symbol):
        return "OPTION"
    if FUTURE_OPTION_SYMBOL.match(symbol):
        return "FUTURE_OPTION"
    if not PLAIN_SYMBOL.match(symbol) or not any(c.isalpha() for c in symbol):
        return None
    if symbol in UNIVERSE:
        return UNIVERSE[symbol].asset_type
    if symbol.startswith("$"):
        return "INDEX"
    if FOREX_SYMBOL.match(symbol):
        return "FOREX"
    if symbol.startswith("/"):
        return "FUTURE"
    return "EQUITY"


@dataclass(frozen=True)
class Security:
    """A symbol of the fixed universe."""

    symbol: str
    description: str
    exchange: str
    cusip: str
    price: float
    asset_type: str = "EQUITY"


_NQ, _NY, _PA = "NASDAQ", "NYSE", "Pacific"
_ROWS: list[tuple] = [
    ("AAPL", "Apple Inc. - Common Stock", _NQ, "037833100", 175),
    ("MSFT", "Microsoft Corporation - Common Stock", _NQ, "594918104", 330),
    ("AMZN", "Amazon.com, Inc. - Common Stock", _NQ, "023135106", 130),
    ("GOOGL", "Alphabet Inc. - Class A Common Stock", _NQ, "02079K305", 135),
    ("GOOG", "Alphabet Inc. - Class C Capital Stock", _NQ, "02079K107", 136),
    ("META", "Meta Platforms, Inc. - Class A Common Stock", _NQ, "30303M102", 300),
    ("TSLA", "Tesla, Inc. - Common Stock", _NQ, "88160R101", 240),
    ("NVDA", "NVIDIA Corporation - Common Stock", _NQ, "67066G104", 450),
    ("NFLX", "Netflix, Inc. - Common Stock", _NQ, "64110L106", 420),
    ("INTC", "Intel Corporation - Common Stock", _NQ, "458140100", 35),
    ("CSCO", "Cisco Systems, Inc. - Common Stock", _NQ, "17275R102", 52),
    ("CTG", "Computer Task Group, Inc. - Common Stock", _NQ, "205477102", 10),
    ("AMD", "Advanced Micro Devices, Inc. - Common Stock", _NQ, "007903107", 110),
    ("QCOM", "QUALCOMM Incorporated - Common Stock", _NQ, "747525103", 120),
    ("ADBE", "Adobe Inc. - Common Stock", _NQ, "00724F101", 520),
    ("PYPL", "PayPal Holdings, Inc. - Common Stock", _NQ, "70450Y103", 60),
    ("COST", "Costco Wholesale Corporation - Common Stock", _NQ, "22160K105", 550),
    ("PEP", "PepsiCo, Inc. - Common Stock", _NQ, "713448108", 175),
    ("SBUX", "Starbucks Corporation - Common Stock", _NQ, "855244109", 100),
    ("ORCL", "Oracle Corporation Common Stock", _NY, "68389X105", 110),
    ("IBM", "International Business Machines Corporation Common Stock", _NY, "459200101", 145),
    ("JPM", "JP Morgan Chase & Co. Common Stock", _NY, "46625H100", 150),
    ("BAC", "Bank of America Corporation Common Stock", _NY, "060505104", 30),
    ("C", "Citigroup, Inc. Common Stock", _NY, "172967424", 45),
    ("WFC", "Wells Fargo & Company Common Stock", _NY, "949746101", 42),
    ("V", "Visa Inc. Common Stock", _NY, "92826C839", 240),
    ("MA", "Mastercard Incorporated Common Stock", _NY, "57636Q104", 390),
    ("JNJ", "Johnson & Johnson Common Stock", _NY, "478160104", 160),
    ("PFE", "Pfizer, Inc. Common Stock", _NY, "717081103", 35),
    ("MRK", "Merck & Company, Inc. Common Stock", _NY, "58933Y105", 105),
    ("UNH", "UnitedHealth Group Incorporated Common Stock", _NY, "91324P102", 500),
    ("PG", "Procter & Gamble Company (The) Common Stock", _NY, "742718109", 150),
    ("KO", "Coca-Cola Company (The) Common Stock", _NY, "191216100", 60),
    ("MCD", "McDonald's Corporation Common Stock", _NY, "580135101", 280),
    ("WMT", "Walmart Inc. Common Stock", _NY, "931142103", 160),
    ("HD", "Home Depot, Inc. (The) Common Stock", _NY, "437076102", 320),
    ("NKE", "Nike, Inc. Common Stock", _NY, "654106103", 105),
    ("DIS", "Walt Disney Company (The) Common Stock", _NY, "254687106", 90),
    ("BA", "Boeing Company (The) Common Stock", _NY, "097023105", 210),
    ("CAT", "Caterpillar, Inc. Common Stock", _NY, "149123101", 260),
    ("MMM", "3M Company Common Stock", _NY, "88579Y101", 105),
    ("GE", "General Electric Company Common Stock", _NY, "369604301", 110),
    ("F", "Ford Motor Company Common Stock", _NY, "345370860", 13),
    ("GM", "General Motors Company Common Stock", _NY, "37045V100", 35),
    ("T", "AT&T Inc. Common Stock", _NY, "00206R102", 15),
    ("VZ", "Verizon Communications Inc. Common Stock", _NY, "92343V104", 35),
    ("XOM", "Exxon Mobil Corporation Common Stock", _NY, "30231G102", 105),
    ("CVX", "Chevron Corporation Common Stock", _NY, "166764100", 160),
    ("AA", "Alcoa Corporation Common Stock", _NY, "013872106", 30),
    ("SPY", "SPDR S&P 500 ETF Trust", _PA, "78462F103", 449, "ETF"),
    ("QQQ", "Invesco QQQ Trust, Series 1", _NQ, "46090E103", 370, "ETF"),
    ("IWM", "iShares Russell 2000 ETF", _PA, "464287655", 190, "ETF"),
    ("DIA", "SPDR Dow Jones Industrial Average ETF", _PA, "78467X109", 350, "ETF"),
    ("GLD", "SPDR Gold Trust, SPDR Gold Shares", _PA, "78463V107", 180, "ETF"),
    ("TLT", "iShares 20+ Year Treasury Bond ETF", _NQ, "464287432", 95, "ETF"),
    ("$SPX.X", "S&P 500 INDEX", "IND", "", 4500, "INDEX"),
    ("$DJI", "Dow Jones Industrial Average", "IND", "", 35000, "INDEX"),
    ("$COMPX", "NASDAQ Composite", "IND", "", 14000, "INDEX"),
    ("$VIX.X", "CBOE Market Volatility Index", "IND", "", 18, "INDEX"),
    ("/ES", "ES Futures", "XCME", "", 4525, "FUTURE"),
    ("/NQ", "NQ Futures", "XCME", "", 15000, "FUTURE"),
    ("/YM", "YM Futures", "XCME", "", 35180, "FUTURE"),
    ("/CL", "CL Futures", "XCME", "", 75, "FUTURE"),
    ("/GC", "GC Futures", "XCME", "", 1900, "FUTURE"),
    ("EUR/USD", "EUR/USD Spot", "GFT", "", 1.08, "FOREX"),
    ("GBP/USD", "GBP/USD Spot", "GFT", "", 1.27, "FOREX"),
    ("USD/JPY", "USD/JPY Spot", "GFT", "", 145, "FOREX"),
    ("AUD/USD", "AUD/USD Spot", "GFT", "", 0.66, "FOREX"),
]
#: Symbols beyond the table that tests, docs and examples use (placeholders such as the
#: reference's ``XYZ``): they exist, with facts drawn from the seed, but belong to no
#: index and to no seeded account.
SEEDED_SYMBOLS: tuple[str, ...] = ("ABC", "BRK.B", "XYZ", "ZZZQ")
#: The fixed universe, keyed by symbol.
UNIVERSE: dict[str, Security] = {row[0]: Security(*row) for row in _ROWS}
BY_CUSIP: dict[str, Security] = {s.cusip: s for s in UNIVERSE.values() if s.cusip}

#: Symbols whose price follows an index, as an index ETF or future does: the same moves at
#: the same minutes, scaled by the ratio of their price levels (SPY about a tenth of
#: ``$SPX.X``, ``/ES`` just above it), so their daily changes always have the same sign.
TRACKS: dict[str, str] = {"SPY": "$SPX.X", "/ES": "$SPX.X", "DIA": "$DJI", "/YM": "$DJI",
                          "QQQ": "$COMPX", "/NQ": "$COMPX"}


def leader(symbol: str) -> str:
    """The symbol whose moves ``symbol``'s price follows (itself unless in :data:`TRACKS`).

    >>> leader("SPY"), leader("AAPL")
    ('$SPX.X', 'AAPL')
    """
    return TRACKS.get(symbol, symbol)


#: Constituents of each movers index (drawn from the universe).
INDEX_MEMBERS: dict[str, tuple[str, ...]] = {
    "$COMPX": tuple(s.symbol for s in UNIVERSE.values()
                    if s.exchange == _NQ and s.asset_type == "EQUITY"),
    "$DJI": ("AAPL", "MSFT", "AMZN", "CSCO", "INTC", "IBM", "JPM", "V", "JNJ", "MRK", "UNH",
             "PG", "KO", "MCD", "WMT", "HD", "NKE", "DIS", "BA", "CAT", "MMM", "VZ", "CVX"),
    "$SPX.X": tuple(s.symbol for s in UNIVERSE.values() if s.asset_type == "EQUITY"),
}


class Universe:
    """The symbols one sandbox knows: the fixed table (:data:`UNIVERSE`),
    :data:`SEEDED_SYMBOLS`, the numbered test symbols (:data:`NUMBERED_SYMBOL`), the
    extra symbols it was given and the options on any of them.

    >>> u = Universe(["ZZZQ"])
    >>> u.knows("AAPL"), u.knows("ZZZQ"), u.knows("NOTASYMBOL"), u.knows("Q0042")
    (True, True, False, True)
    """

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self._extra: dict[str, None] = {}
        for symbol in extra:
            self.add(symbol)

    def add(self, symbol: str) -> None:
        """Make ``symbol`` exist (an equity, or an index/future/forex by its form).

        Its description, exchange and prices are drawn from the seed; options on it
        exist too. A malformed symbol or an option symbol is a ``ValueError``.
        """
        kind = asset_type(symbol) if isinstance(symbol, str) else None
        if kind is None or kind in ("OPTION", "FUTURE_OPTION"):
            raise ValueError(f"not a symbol that can be added: {symbol!r}")
        self._extra[symbol] = None

    @property
    def extra(self) -> tuple[str, ...]:
        """The extra symbols, in the order they were added."""
        return tuple(self._extra)

    def listed(self) -> list[str]:
        """The table's symbols, :data:`SEEDED_SYMBOLS` and the extra ones (what searches go
        through; the numbered test symbols are not listed)."""
        listed = dict.fromkeys([*UNIVERSE, *SEEDED_SYMBOLS, *self._extra])
        return list(listed)

    def knows(self, symbol: str) -> bool:
        """Whether ``symbol`` exists; an option exists when its underlying does (a futures
        option when its future does: which strikes are listed is the quote's business)."""
        kind = asset_type(symbol)
        if kind is None:
            return False
        if kind == "FUTURE_OPTION":
            match = FUTURE_OPTION_SYMBOL.match(symbol)
            future = "/" + match["root"] if match else ""
            return asset_type(future) == "FUTURE" and self.knows(future)
        if kind == "OPTION":
            match = OPTION_SYMBOL.match(symbol)
            root = match["underlying"] if match else ""
            underlying = next((s for s, r in INDEX_ROOTS.items() if r == root), root)
            return underlying != symbol and self.knows(underlying)
        return (symbol in UNIVERSE or symbol in SEEDED_SYMBOLS or symbol in self._extra
                or NUMBERED_SYMBOL.match(symbol) is not None)

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and self.knows(symbol)


def base_price(seed: int, symbol: str) -> float:
    """The price level around which ``symbol`` wanders."""
    if symbol in UNIVERSE:
        return float(UNIVERSE[symbol].price)
    u = unit(seed, "base", symbol)
    kind = asset_type(symbol)
    if kind == "FOREX":
        return round(0.5 + 1.5 * u, 4)
    if kind == "INDEX":
        return round(500 + 9500 * u, 2)
    return round(5 * 100**u, 2)  # log-uniform between 5 and 500


def describe(symbol: str) -> str:
    """A description in TD's style."""
    if symbol in UNIVERSE:
        return UNIVERSE[symbol].description
    kind = asset_type(symbol)
    if kind == "FOREX":
        return f"{symbol} Spot"
    if kind == "FUTURE":
        return f"{symbol[1:]} Futures"
    if kind == "FUTURE_OPTION":
        return f"{symbol[2:]} Futures Option"
    if kind == "INDEX":
        return f"{symbol[1:]} Synthetic Index"
    return f"{symbol.title()} Synthetic Corp - Common Stock"


def exchange(seed: int, symbol: str) -> str:
    """Listing exchange of an equity (``NASDAQ``, ``NYSE`` or ``Pacific``)."""
    if symbol in UNIVERSE:
        return UNIVERSE[symbol].exchange
    return str(pick(seed, (_NQ, _NY), "exchange", symbol))


def pe_ratio(seed: int, symbol: str) -> float:
    """Price/earnings ratio of an equity."""
    return round(8 + 40 * unit(seed, "pe", symbol), 4)


def dividend(seed: int, symbol: str) -> float:
    """Annual dividend per share (0 for about a third of the symbols)."""
    u = unit(seed, "div", symbol)
    return 0.0 if u < 0.3 else round(4 * (u - 0.3), 2)
