"""What ``pytd``'s tables show, against both providers' sandboxes: per-column number formats,
%change columns that agree with the numbers, the history summary, and the exit codes."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.support.sandboxes import start_sandbox

from .cli_support import app_env, run_main
from .providers import PROVIDERS, is_schwab, only

ACCOUNT = "987654321"
#: Symbols of every asset type the sandbox quotes (the option in TD's form; pyTD converts it).
QUOTED = ["AAPL", "MSFT", "$SPX.X", "/ES", "EUR/USD", "AAPL_011627C200"]


@pytest.fixture(scope="module", params=PROVIDERS)
def sandbox(request):
    frozen = time.time()  # market data depends on the sandbox clock: freeze it
    return start_sandbox(request, provider=request.param, auto_approve=True, seed=3,
                         clock=lambda: frozen)


@pytest.fixture
def env(sandbox, tmp_path):
    return app_env(sandbox, tmp_path / "config", tokens=True)


@pytest.fixture
def pytd(capsys, monkeypatch, env):
    """``pytd(*args)``: the command in this process; it must not print a traceback."""
    def run(*args):
        result = run_main(capsys, monkeypatch, list(args), env)
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result
    return run


def cells_of(stdout: str) -> list[dict[str, str]]:
    """A printed table's rows as ``{header: cell}``, cut at the columns of the header rule
    (a Schwab option symbol has two spaces inside)."""
    lines = stdout.strip().splitlines()
    rule = next(i for i, line in enumerate(lines) if line and set(line) <= {"-", " "})
    spans = [m.span() for m in re.finditer(r"-+", lines[rule])]
    cut = [(start, spans[i + 1][0] if i + 1 < len(spans) else None)
           for i, (start, _) in enumerate(spans)]
    def split(line: str) -> list[str]:
        return [line[a:b].strip() for a, b in cut]
    headers = split(lines[rule - 1])
    return [dict(zip(headers, split(line))) for line in lines[rule + 1:]]


def rows_of(stdout: str) -> dict[str, dict[str, str]]:
    """A printed table as ``{first cell: {header: cell}}``."""
    return {next(iter(row.values())): row for row in cells_of(stdout)}


def number(text: str) -> float:
    return float(text.replace(",", ""))


def decimals(text: str) -> int:
    return len(text.partition(".")[2])


def flat(quote: dict) -> dict:
    return {**quote, **quote["quote"]} if isinstance(quote.get("quote"), dict) else quote


# -- quotes ---------------------------------------------------------------------------------

def test_a_forex_quote_keeps_its_decimals_to_itself(pytd):
    result = pytd("quote", *QUOTED)
    assert result.returncode == 0, result.stderr
    rows = cells_of(result.stdout)
    by_symbol = {row["symbol"]: row for row in rows}
    forex, stock = by_symbol["EUR/USD"], by_symbol["AAPL"]
    assert {decimals(forex[k]) for k in ("last", "bid", "ask", "change")} == {4}
    for row in rows:
        if row["symbol"] != "EUR/USD":
            assert {decimals(row[k]) for k in ("last", "change")} == {2}, row
    assert decimals(stock["%change"]) == decimals(forex["%change"]) == 2


def test_percent_change_agrees_with_change_and_close_for_every_asset_type(pytd):
    table = rows_of(pytd("quote", *QUOTED).stdout)
    data = {symbol: flat(q) for symbol, q in
            json.loads(pytd("quote", *QUOTED, "--json").stdout).items()}
    assert len(table) == len(QUOTED) == len(data)
    for symbol, row in table.items():
        quote = data[symbol]
        change = quote.get("netChange", quote.get("changeInDouble"))
        close = quote.get("closePrice", quote.get("closePriceInDouble"))
        assert row["%change"] != "-", row       # TD's option and Schwab's future quotes too
        shown = number(row["%change"])
        assert shown == pytest.approx(change / close * 100, abs=0.006), (symbol, quote)
        assert shown * change >= 0              # same sign as the change
        assert number(row["change"]) == pytest.approx(change, abs=0.006)


# -- accounts -------------------------------------------------------------------------------

def test_positions_show_whole_quantities_and_money_in_cents(pytd):
    result = pytd("positions")
    assert result.returncode == 0, result.stderr
    rows = cells_of(result.stdout)
    data = json.loads(pytd("positions", "--json").stdout)
    assert rows and len(rows) == len(data)
    for row, position in zip(rows, data):
        held = position["longQuantity"] - position["shortQuantity"]
        assert float(held).is_integer() and row["quantity"] == f"{held:,.0f}"
        assert [decimals(row[k]) for k in ("market value", "day P/L", "day P/L %")] == [2, 2, 2]


def test_accounts_name_each_account(pytd):
    rows = rows_of(pytd("accounts").stdout)
    assert set(rows) == {"123456789", ACCOUNT}
    assert all(decimals(row["cash"]) == 2 for row in rows.values())


def test_transactions_show_id_date_and_what_was_traded(pytd):
    result = pytd("transactions", ACCOUNT)
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    assert rows and "None" not in rows
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"]) for row in rows.values())
    trades = [row for row in rows.values() if row["type"] == "TRADE"]
    assert trades and all(row["symbol"] != "-" and row["price"] != "-" for row in trades)
    assert all(re.fullmatch(r"-?[\d,]+", row["quantity"]) for row in trades)


def test_fundamentals_market_cap_in_whole_millions(pytd):
    row = rows_of(pytd("fundamentals", "AAPL").stdout)["AAPL"]
    assert re.fullmatch(r"[\d,]+", row["market cap (M)"])
    assert decimals(row["P/E"]) == decimals(row["beta"]) == 2


def test_watchlists_where_the_provider_has_none_say_so(sandbox, pytd):
    result = pytd("watchlists")
    if is_schwab(sandbox):
        assert result.returncode == 1
        assert result.stderr.strip() == ("pytd: error: Charles Schwab's API has no watchlists; "
                                         "`pytd watchlists` works with TD Ameritrade only.")
    else:
        assert result.returncode == 0, result.stderr


# -- movers ---------------------------------------------------------------------------------

def test_movers_change_and_percent_agree(sandbox, pytd):
    result = pytd("movers", "DJI", "--direction", "up")
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    assert 0 < len(rows) <= 10
    for row in rows.values():
        last, change, pct = number(row["last"]), number(row["change"]), number(row["%change"])
        assert pct == pytest.approx(change / (last - change) * 100, abs=0.01), row
        assert pct > 0 and row["direction"] == "up"
        assert decimals(row["last"]) == decimals(row["change"]) == 2
    data = json.loads(pytd("movers", "DJI", "--direction", "up", "--json").stdout)
    first = (data["screeners"] if is_schwab(sandbox) else data)[0]
    fraction = first["netPercentChange"] if is_schwab(sandbox) else first["change"]
    assert number(rows[first["symbol"]]["%change"]) == pytest.approx(fraction * 100, abs=0.01)


def test_movers_ranked_by_value_show_the_percent_too(sandbox, pytd):
    only(sandbox, "tdameritrade", "Schwab cannot rank movers by value")
    rows = rows_of(pytd("movers", "DJI", "--change", "value").stdout)
    data = {m["symbol"]: m for m in json.loads(
        pytd("movers", "DJI", "--change", "value", "--json").stdout)}
    for symbol, row in rows.items():
        assert number(row["change"]) == pytest.approx(data[symbol]["change"], abs=0.006)
        assert number(row["%change"]) * data[symbol]["change"] > 0


def test_movers_by_value_on_schwab_is_bad_usage(sandbox, pytd):
    only(sandbox, "schwab", "TD ranks movers by value")
    result = pytd("movers", "DJI", "--change", "value")
    assert result.returncode == 2 and "sort=" in result.stderr


# -- history --------------------------------------------------------------------------------

def test_history_without_a_period_prints_a_summary(pytd):
    result = pytd("history", "AAPL")   # TD's default: ten days of one-minute candles
    assert result.returncode == 0, result.stderr
    candles = json.loads(pytd("history", "AAPL", "--json").stdout)["candles"]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 7 and lines[3] == "..."
    first, last = (re.split(r"\s{2,}", lines[i].strip()) for i in (2, 4))
    assert first[0] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                     time.gmtime(candles[0]["datetime"] / 1000))
    assert number(last[4]) == candles[-1]["close"]
    assert lines[5:] == [f"{len(candles):,} candles of AAPL, {first[0]} to {last[0]}.",
                         "Every candle: --all, --csv FILE or --json."]
    assert len(candles) > 1000


def test_history_of_several_symbols_without_a_period_prints_one_line_each(pytd):
    result = pytd("history", "AAPL", "MSFT", "--period-type", "month")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == ["symbol", "candles", "first", "last",
                                                     "last close"]
    data = json.loads(pytd("history", "AAPL", "MSFT", "--period-type", "month",
                           "--json").stdout)
    for line, symbol in zip(lines[2:4], ("AAPL", "MSFT")):
        cells = re.split(r"\s{2,}", line.strip())
        assert cells[:2] == [symbol, str(len(data[symbol]["candles"]))]
        assert number(cells[4]) == data[symbol]["candles"][-1]["close"]
    assert lines[4:] == ["Every candle: --all, --csv FILE or --json."]
    every = pytd("history", "AAPL", "MSFT", "--period-type", "month", "--all")
    assert len(every.stdout.strip().splitlines()) == sum(
        len(data[s]["candles"]) for s in data) + 2


def test_history_all_and_a_period_print_every_candle(pytd):
    everything = pytd("history", "AAPL", "--all")
    candles = json.loads(pytd("history", "AAPL", "--json").stdout)["candles"]
    assert len(everything.stdout.strip().splitlines()) == len(candles) + 2
    two_days = pytd("history", "AAPL", "--period", "2", "--frequency", "30")
    rows = two_days.stdout.strip().splitlines()[2:]
    assert "..." not in rows and len(rows) > 10


def test_daily_candles_are_dated_by_trading_day(pytd):
    args = ["history", "MSFT", "--period-type", "month", "--frequency-type", "daily",
            "--start", "2024-03-04", "--end", "2024-03-09"]
    rows = rows_of(pytd(*args).stdout)
    assert list(rows) == ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07",
                          "2024-03-08"]
