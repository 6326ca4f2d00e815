"""Argument rules shared by the endpoint wrappers."""

from datetime import date, datetime, timedelta, timezone

import pytest

from pyTD.exceptions import ValidationError
from pyTD.provider import TD_AMERITRADE
from pyTD.validation import (
    bool_param,
    check_enum,
    check_enum_list,
    check_id,
    check_int,
    check_mapping,
    check_number,
    check_order,
    check_text,
    date_param,
    normalize_symbols,
    quote_segment,
    to_date,
    to_epoch_ms,
)

SIDES = ("CALL", "PUT", "ALL")


# -- enums ----------------------------------------------------------------------------
@pytest.mark.parametrize("given", ["CALL", "call", " Call "])
def test_enum_matches_any_case_and_returns_canonical_spelling(given):
    assert check_enum("contract_type", given, SIDES) == "CALL"


def test_enum_lower_case_canonical():
    assert check_enum("direction", "UP", ("up", "down")) == "up"


def test_enum_error_names_argument_lists_allowed_values_and_shows_value():
    with pytest.raises(ValidationError) as info:
        check_enum("contract_type", "CALLS", SIDES)
    message = str(info.value)
    assert "contract_type" in message and "CALL, PUT, ALL" in message and "'CALLS'" in message


def test_enum_error_is_also_a_value_error():
    with pytest.raises(ValueError, match="one of CALL, PUT, ALL"):
        check_enum("contract_type", None, SIDES)


def test_numeric_enum():
    assert check_enum("period", 5, (1, 5, 10)) == 5
    with pytest.raises(ValidationError, match="period must be one of 1, 5, 10; got 7"):
        check_enum("period", 7, (1, 5, 10))


def test_numeric_enum_refuses_bool_and_strings():
    with pytest.raises(ValidationError, match="one of 1, 5"):
        check_enum("period", True, (1, 5))
    with pytest.raises(ValidationError, match="one of 1, 5"):
        check_enum("period", "5", (1, 5))


def test_enum_list_from_string_or_list_deduplicated():
    allowed = ("positions", "orders")
    assert check_enum_list("fields", "positions,ORDERS", allowed) == ["positions", "orders"]
    assert check_enum_list("fields", ["orders", "orders"], allowed) == ["orders"]


def test_enum_list_refuses_unknown_and_empty():
    with pytest.raises(ValidationError, match="fields must be one of positions, orders"):
        check_enum_list("fields", ["positions", "balances"], ("positions", "orders"))
    with pytest.raises(ValidationError, match="fields is empty; pass one or more of positions"):
        check_enum_list("fields", [], ("positions", "orders"))


# -- path segments --------------------------------------------------------------------
@pytest.mark.parametrize("raw, quoted", [
    ("AAPL", "AAPL"), ("BRK.B", "BRK.B"), ("/ES", "%2FES"), ("$SPX.X", "%24SPX.X"),
    ("AUD/USD", "AUD%2FUSD"), ("A B", "A%20B"), ("../x", "..%2Fx"), ("a?b#c", "a%3Fb%23c"),
])
def test_quote_segment(raw, quoted):
    assert quote_segment(raw) == quoted


def test_ids_are_checked_and_quoted():
    assert check_id("order_id", 42) == "42"
    assert check_id("account_id", " 123 ") == "123"
    assert TD_AMERITRADE.path("order", account_id=check_id("account_id", 123456789),
                              order_id=check_id("order_id", "1/2")) == \
        "/accounts/123456789/orders/1%2F2"


@pytest.mark.parametrize("bad", ["", "  ", None, True, -1, 1.5, ["1"]])
def test_bad_ids(bad):
    with pytest.raises(ValidationError, match="account_id must be a non-empty string or a non-"
                                              "negative int, such as '123456789'"):
        check_id("account_id", bad)


# -- symbols --------------------------------------------------------------------------
def test_symbols_from_string_list_and_tuple():
    assert normalize_symbols("AAPL") == ["AAPL"]
    assert normalize_symbols(" AAPL , MSFT ") == ["AAPL", "MSFT"]
    assert normalize_symbols(("/ES", "$SPX.X")) == ["/ES", "$SPX.X"]


def test_symbols_keep_case_and_order_and_drop_duplicates():
    assert normalize_symbols(["msft", "AAPL", "msft"]) == ["msft", "AAPL"]


@pytest.mark.parametrize("empty", ["", [], (), " "])
def test_empty_symbols(empty):
    with pytest.raises(ValidationError, match=r"symbols is empty|empty symbol") as info:
        normalize_symbols(empty)
    assert "'AAPL'" in str(info.value)


def test_empty_item_among_symbols():
    with pytest.raises(ValidationError, match="contains an empty symbol") as info:
        normalize_symbols("AAPL,,MSFT")
    assert "pass a symbol such as 'AAPL'" in str(info.value)


@pytest.mark.parametrize("bad", [None, 42, b"AAPL", {"AAPL": 1}, ["AAPL", 3]])
def test_symbols_of_wrong_type(bad):
    with pytest.raises(ValidationError, match=r"must (be a string or a list of strings|contain "
                                              r"strings).*'AAPL'"):
        normalize_symbols(bad, "symbols")


def test_symbol_error_uses_argument_name():
    with pytest.raises(ValidationError, match=r"^cusip is empty"):
        normalize_symbols([], "cusip")


def test_single_text_values():
    assert check_text("symbol", " AAPL ") == "AAPL"
    assert check_text("symbol", "GOO[G]{1,2}") == "GOO[G]{1,2}"  # commas are kept
    for bad in ("", "   ", None, 42, ["AAPL"]):
        with pytest.raises(ValidationError, match="cusip must be a non-empty string such as "
                                                  "'037833100'"):
            check_text("cusip", bad, "037833100")


# -- numbers and booleans -------------------------------------------------------------
def test_int_checks():
    assert check_int("strike_count", 3) == 3
    assert check_int("days", 0, minimum=0) == 0
    for bad in (0, -2, 1.5, "3", True, None):
        with pytest.raises(ValidationError, match="strike_count must be a whole number of at "
                                                  "least 1"):
            check_int("strike_count", bad)


def test_number_checks():
    assert check_number("strike", 42) == 42.0
    assert check_number("strike", 0.5) == 0.5
    for bad in ("42", True, None):
        with pytest.raises(ValidationError, match="strike must be a number such as 25"):
            check_number("strike", bad)


def test_bool_param():
    assert bool_param("flag", True) == "true"
    assert bool_param("flag", False, upper=True) == "FALSE"
    for bad in ("true", 1, None):
        with pytest.raises(ValidationError, match="flag must be True or False"):
            bool_param("flag", bad)


def test_mapping_check():
    assert check_mapping("order", {"a": 1}) == {"a": 1}
    for bad in ({}, [("a", 1)], "{}", None):
        with pytest.raises(ValidationError, match="order must be a non-empty dict"):
            check_mapping("order", bad)


# -- time -----------------------------------------------------------------------------
def test_epoch_ms_of_naive_datetime_is_utc():
    assert to_epoch_ms("start_date", datetime(2020, 7, 10, 11, 0)) == 1594378800000


def test_epoch_ms_of_aware_datetime_and_sub_millisecond_precision():
    eastern = timezone(timedelta(hours=-4))
    when = datetime(2020, 7, 10, 7, 0, 0, 1999, tzinfo=eastern)
    assert to_epoch_ms("end_date", when) == 1594378800001


def test_epoch_ms_of_date_is_midnight_utc():
    assert to_epoch_ms("start_date", date(2016, 6, 2)) == 1464825600000


def test_epoch_ms_int_passes_through():
    assert to_epoch_ms("end_date", 1464825600000) == 1464825600000


def test_epoch_seconds_are_refused_with_the_millisecond_value():
    with pytest.raises(ValidationError, match="looks like epoch seconds") as info:
        to_epoch_ms("start_date", 1464825600)
    assert "1464825600000" in str(info.value)


@pytest.mark.parametrize("bad", ["2020-01-01", 1.5e12, True, None])
def test_epoch_ms_bad_types(bad):
    with pytest.raises(ValidationError, match=r"start_date must be a datetime \(naive = UTC\), a "
                                              r"date or epoch milliseconds"):
        to_epoch_ms("start_date", bad)


def test_epoch_ms_negative():
    with pytest.raises(ValidationError, match="must not be negative"):
        to_epoch_ms("start_date", -(10**12))


def test_to_date_forms():
    assert to_date("d", "2024-02-29") == date(2024, 2, 29)
    assert to_date("d", date(2024, 1, 2)) == date(2024, 1, 2)
    assert to_date("d", datetime(2024, 1, 2, 23, 30)) == date(2024, 1, 2)
    late_eastern = datetime(2024, 1, 2, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert to_date("d", late_eastern) == date(2024, 1, 3)  # its UTC day
    assert date_param("d", date(2024, 1, 2)) == "2024-01-02"


@pytest.mark.parametrize("bad", ["2023-02-29", "01/02/2024", "2024-1-2", "", 20240102, None])
def test_to_date_refuses(bad):
    with pytest.raises(ValidationError, match="date must be a date, a datetime or a "
                                              "'yyyy-MM-dd' string such as '2024-01-31'"):
        to_date("date", bad)


def test_range_order():
    check_order("start", 1, "end", 1)
    check_order("start", None, "end", 0)
    with pytest.raises(ValidationError, match="start \\(2\\) is after end \\(1\\); pass a start "
                                              "on or before end"):
        check_order("start", 2, "end", 1)
