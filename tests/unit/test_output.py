"""JSON/pandas output: format checks, the lazy pandas import and the table builders."""

import inspect
import math
import re
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from pyTD import output
from pyTD.endpoints import EndpointMethods
from pyTD.exceptions import ConfigurationError, ValidationError


def test_format_defaults_to_the_api_setting():
    assert output.resolve_format(SimpleNamespace(output_format="pandas"), None) == "pandas"
    assert output.resolve_format(SimpleNamespace(output_format="json"), None) == "json"


def test_explicit_format_wins_and_any_case():
    assert output.resolve_format(SimpleNamespace(output_format="pandas"), "JSON") == "json"


def test_bad_format_lists_choices():
    with pytest.raises(ValidationError, match="output_format must be one of json, pandas; "
                                              "got 'csv'"):
        output.resolve_format(SimpleNamespace(output_format="json"), "csv")


def test_missing_pandas_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ConfigurationError, match=re.escape('pip install "pytd-ameritrade'
                                                           '[pandas]"')):
        output.resolve_format(SimpleNamespace(output_format="json"), "pandas")
    assert output.resolve_format(SimpleNamespace(output_format="json"), None) == "json"


def test_importing_the_wrappers_does_not_import_pandas():
    code = ("import sys, pyTD.api, pyTD.market, pyTD.accounts, pyTD.instruments; "
            "print('pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_render_json_leaves_data_untouched():
    data = {"a": [1]}
    assert output.render(data, "json", lambda d: 1 / 0) is data
    assert output.render(data, "pandas", lambda d: "table") == "table"


def test_records_frame_flattens_objects_and_keeps_lists():
    records = [{"orderId": 1, "instrument": {"symbol": "XYZ"}, "legs": [1, 2]},
               {"orderId": 2, "instrument": {"symbol": "ABC"}, "legs": []}]
    frame = output.records_frame(records, index="orderId")
    assert list(frame.index) == [1, 2] and frame.index.name == "orderId"
    assert frame.loc[1, "instrument.symbol"] == "XYZ"
    assert frame.loc[1, "legs"] == [1, 2]


def test_records_frame_puts_requested_columns_first():
    frame = output.records_frame([{"b": 1, "a": 2}], columns=("a", "c"))
    assert list(frame.columns) == ["a", "c", "b"] and frame["c"].isna().all()


def test_records_frame_empty_has_requested_columns_and_index():
    frame = output.records_frame([], index="orderId", columns=("status",))
    assert frame.empty and frame.index.name == "orderId" and list(frame.columns) == ["status"]


def test_nan_strings_become_float_columns():
    frame = pd.DataFrame({"delta": [0.5, "NaN"], "gamma": ["NaN", "NaN"],
                          "symbol": ["X", "NaN"], "note": ["a", "b"]})
    out = output.nan_strings_to_float(frame)
    assert out["delta"].dtype == "float64" and math.isnan(out.loc[1, "delta"])
    assert out["gamma"].dtype == "float64" and out["gamma"].isna().all()
    assert out.loc[0, "symbol"] == "X" and pd.isna(out.loc[1, "symbol"])
    assert list(out["note"]) == ["a", "b"]


def test_utc_index_from_epoch_ms():
    index = output.utc_from_ms([1594378800000, 1594378860000])
    assert index.name == "datetime" and str(index.tz) == "UTC"
    assert index[0] == pd.Timestamp("2020-07-10 11:00", tz="UTC")
    assert len(output.utc_from_ms([])) == 0


def test_api_methods_forward_to_module_functions_with_their_signatures():
    from importlib import import_module

    from pyTD import accounts, instruments, market
    from pyTD.api import api

    public = {**vars(market), **vars(accounts), **vars(instruments)}
    methods = {name for name, _ in inspect.getmembers(EndpointMethods, inspect.isfunction)}
    wrappers = {name for name in [*market.__all__, *accounts.__all__, "get_instruments",
                                  "get_instrument"] if name[0].islower()}
    assert methods == wrappers
    for name in methods:
        method = getattr(api, name)
        module, _, function = method.forwards_to.rpartition(".")
        target = getattr(import_module(module), function)
        assert target is public[name], name
        expected = [p for p in inspect.signature(target).parameters.values() if p.name != "api"]
        assert list(inspect.signature(method).parameters.values())[1:] == expected, name


def test_help_shows_the_real_parameters():
    import pydoc

    from pyTD.api import api

    text = pydoc.render_doc(api.get_price_history, renderer=pydoc.plaintext)
    for name in ("period_type", "period", "frequency_type", "frequency", "start_date",
                 "end_date", "need_extended_hours_data", "output_format"):
        assert f"{name}:" in text or f"{name}=" in text, name
    assert "**kwargs" not in text


def test_a_method_calls_its_module_function_with_the_api(monkeypatch):
    from pyTD.api import api
    from pyTD.market import movers

    seen = {}
    monkeypatch.setattr(movers, "get_movers", lambda *args, **kwargs: seen.update(
        args=args, kwargs=kwargs) or "answer")
    client = api(consumer_key="KEY", store_tokens=False)
    assert client.get_movers("$DJI", direction="up") == "answer"
    assert seen == {"args": ("$DJI",), "kwargs": {"api": client, "direction": "up"}}
