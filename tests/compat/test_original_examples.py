"""Every example of the original pyTD's README and docs pages, run unchanged against the sandbox.

The snippets below are the original's own text (README.rst, docs/source/market.rst,
instruments.rst, configuration.rst, auth.rst, quickstart.rst). Each runs as the
original's users ran it: ``TD_*`` variables pointing at the sandbox, tokens
already cached on disk (as after ``pytd auth login``), and, for the docs pages,
whose examples showed DataFrames, ``TD_OUTPUT_FORMAT=pandas``. As in IPython,
the value of a snippet is its last expression.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, Callable

import pandas as pd
import pytest

from pyTD.api import default_api
from pyTD.sandbox import DEMO_CONSUMER_KEY
from tests.compat.original_support import EXAMPLE_KEY, authorize
from tests.support.snippets import run_snippet


def is_frame(rows: int = 1) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, pd.DataFrame) and len(value) >= rows


def has_keys(*keys: str) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, dict) and set(keys) <= set(value)


README = {
    "quotes": ('from pyTD.market import get_quotes\n\nget_quotes("AAPL")', has_keys("AAPL")),
    "movers": ("from pyTD.market import get_movers\n\n"
               "get_movers(\"$DJI\", direction='up', change='percent')",
               lambda movers: movers and all(m["direction"] == "up" for m in movers)),
    "hours": ("import datetime\nfrom pyTD.market import get_market_hours\n\n"
              "date = datetime.datetime(2018, 6, 29)\n\n"
              'get_market_hours("EQUITY", date=date)',
              lambda hours: hours["equity"]["EQ"]["date"] == "2018-06-29"),
    "option chain": ('from pyTD.market import get_option_chain\n\nget_option_chain("AAPL")',
                     lambda chain: chain["status"] == "SUCCESS" and chain["callExpDateMap"]),
    "price history": ("import datetime\nfrom pyTD.market import get_price_history\n\n"
                      "start = datetime.datetime(2017, 1, 1)\n"
                      "end = datetime.datetime(2018, 1, 1)\n\n"
                      'get_price_history("AAPL", startDate=start, endDate=end)',
                      lambda history: 240 <= len(history["candles"]) <= 260),
    "fundamentals": ('from pyTD.market import get_fundamentals\n\nget_fundamentals("AAPL")',
                     lambda data: "peRatio" in data["AAPL"]["fundamental"]),
    "instrument by CUSIP": ('from pyTD.instruments import get_instrument\n\n'
                            'get_instrument("037833100")',
                            lambda data: data[0]["symbol"] == "AAPL"),
    "instrument by symbol": ('from pyTD.instruments import get_instrument\n\n'
                             'get_instrument("AAPL")',
                             lambda data: data["AAPL"]["cusip"] == "037833100"),
    "instruments by description": ('from pyTD.instruments import get_instruments\n\n'
                                   'get_instruments("computer", projection="desc-search")',
                                   has_keys("CTG")),
    "instruments by regex": ('from pyTD.instruments import get_instruments\n\n'
                             'get_instruments("AAP.*", projection="symbol-regex")',
                             has_keys("AAPL")),
    "log level": ('import pyTD\npyTD.log_level = "INFO"',
                  lambda _: logging.getLogger("pyTD").level == logging.INFO),
}

DOCS = {
    "one quote": ('from pyTD.market import get_quotes\n\nget_quotes("AAPL").head()',
                  lambda frame: list(frame.index) == ["AAPL"]),
    "two quotes": ('from pyTD.market import get_quotes\n\nget_quotes(["AAPL", "TSLA"]).head()',
                   lambda frame: list(frame.index) == ["AAPL", "TSLA"]),
    "movers": ('from pyTD.market import get_movers\n\nget_movers("$DJI")', is_frame()),
    "hours": ('from pyTD.market import get_market_hours\n\nget_market_hours("EQUITY")',
              is_frame()),
    "option chains": ('from pyTD.market import get_option_chains\n\nget_option_chains("AAPL")',
                      is_frame(10)),
    "price history": ("import datetime\nfrom pyTD.market import get_price_history\n\n"
                      "start = datetime.datetime(2017, 1, 1)\n"
                      "end = datetime.datetime(2018, 1, 1)\n\n"
                      'get_price_history("AAPL", start_date=start, end_date=end).head()',
                      lambda frame: len(frame) == 5 and frame.index[0].year == 2017
                      and frame.index[0].month == 1),
    "fundamentals": ('from pyTD.market import get_fundamentals\n\nget_fundamentals("AAPL")',
                     lambda frame: "peRatio" in frame.columns),
    "instrument by symbol": ('from pyTD.instruments import get_instrument\n\n'
                             'get_instrument("AAPL")', is_frame()),
    "instrument by CUSIP": ('from pyTD.instruments import get_instrument\n\n'
                            'get_instrument("68389X105")',
                            lambda frame: frame.iloc[0]["symbol"] == "ORCL"),
    "symbol-search": ('from pyTD.instruments import get_instruments\n\n'
                      'get_instruments("AAPL")', lambda frame: list(frame.index) == ["AAPL"]),
    "symbol-regex": ('from pyTD.instruments import get_instruments\n\n'
                     'get_instruments("AAP.*", projection="symbol-regex")',
                     lambda frame: "AAPL" in frame.index),
    "desc-search": ('from pyTD.instruments import get_instruments\n\n'
                    'get_instruments("computer", projection="desc-search")',
                    lambda frame: "CTG" in frame.index),
    "desc-regex": ('from pyTD.instruments import get_instruments\n\n'
                   'get_instruments("COM.*", projection="desc-regex")', is_frame()),
    "fundamental projection": ('from pyTD.instruments import get_instruments\n\n'
                               'get_instruments("AAPL", projection="fundamental").head()',
                               is_frame()),
    "default api": ('from pyTD.market import get_quotes\n\nget_quotes("AAPL")', is_frame()),
    "api with arguments": ("from pyTD.api import api\nfrom pyTD.market import get_quotes\n\n"
                           'consumer_key = "TEST@AMER.OAUTHAP"\n'
                           'callback_url = "https://localhost:8080"\n\n'
                           "my_api = api(consumer_key=consumer_key, callback_url=callback_url)\n\n"
                           'get_quotes("AAPL", api=my_api)', is_frame()),
    "api from a dict": ("from pyTD.api import api\nfrom pyTD.market import get_quotes\n\n"
                        "params = {\n"
                        '    "consumer_key": "TEST@AMER.OAUTHAP",\n'
                        '    "callback_url": "https://localhost:8080"\n'
                        "}\n\n"
                        "my_api = api(params)\n\n"
                        'get_quotes("AAPL", api=my_api)', is_frame()),
    "configure": ("from pyTD import configure\nfrom pyTD.market import get_quotes\n\n"
                  'consumer_key = "TEST@AMER.OAUTHAP"\n'
                  'callback_url = "https://localhost:8080"\n\n'
                  "configure(consumer_key=consumer_key, callback_url=callback_url)\n\n"
                  'get_quotes("AAPL")', is_frame()),
    "log level": ('import pyTD\n\npyTD.log_level = "DEBUG"',
                  lambda _: logging.getLogger("pyTD").level == logging.DEBUG),
}


@pytest.mark.parametrize("name", list(README))
def test_readme_example(original_user, name):
    code, check = README[name]
    assert check(run_snippet(code)), code


@pytest.mark.parametrize("name", list(DOCS))
def test_docs_example(original_user, monkeypatch, name):
    monkeypatch.setenv("TD_OUTPUT_FORMAT", "pandas")
    code, check = DOCS[name]
    assert check(run_snippet(code)), code


def test_readme_configure_with_a_dict_and_api_from_the_package(original_user):
    configured = run_snippet('from pyTD import configure\n\nconfigure({\n'
                             '    "callback_url": "https://localhost:8080",\n'
                             '    "consumer_key": "TEST@AMER.OAUTHAP"\n})')
    assert default_api() is configured
    assert configured.consumer_key == EXAMPLE_KEY
    assert run_snippet('from pyTD.market import get_quotes\nget_quotes("AAPL")')["AAPL"]
    a = run_snippet('from pyTD import api\n\na = api({\n'
                    '    "callback_url": "https://localhost:8080",\n'
                    '    "consumer_key": "TEST@AMER.OAUTHAP"\n})\na')
    assert a.get_quotes("AAPL")["AAPL"]


def test_configure_with_no_arguments_uses_the_environment(original_user):
    configured = run_snippet("import pyTD\npyTD.configure()")
    assert configured is None or configured.consumer_key == DEMO_CONSUMER_KEY
    assert default_api().consumer_key == DEMO_CONSUMER_KEY
    assert run_snippet('from pyTD.market import get_quotes\nget_quotes("AAPL")')["AAPL"]


def test_apis_that_keep_tokens_in_memory_or_bring_a_session(original_user):
    """auth.rst's ``store_tokens=False`` and the docs' ``session=`` api, then used."""
    memory = run_snippet('from pyTD.api import api\n\noid = "TEST@AMER.OAUTHAP"\n'
                         'uri = "https://localhost:8080"\n\n'
                         "a = api(consumer_key=oid, callback_url=uri, store_tokens=False)\na")
    assert memory.store_tokens is False
    assert type(memory.cache).__name__ == "MemCache"
    assert authorize(original_user, memory).get_quotes("AAPL")["AAPL"]
    with_session = run_snippet(
        "import requests\nfrom pyTD.api import api\n"
        '__api__ = api(consumer_key="TEST@AMER.OAUTHAP",\n'
        '              callback_url="https://localhost:8080",\n'
        "              session=requests.Session(),\n"
        "              store_tokens=False)\n__api__")
    assert authorize(original_user, with_session).get_quotes("AAPL")["AAPL"]


def test_the_examples_dates_are_what_the_original_sent(original_user):
    """2017-01-01..2018-01-01 asked for daily candles, as the original's defaults did."""
    history = run_snippet(README["price history"][0])
    first = datetime.datetime.fromtimestamp(history["candles"][0]["datetime"] / 1000,
                                            datetime.timezone.utc)
    assert first.date() >= datetime.date(2017, 1, 1)
    assert first.date() <= datetime.date(2017, 1, 4)
