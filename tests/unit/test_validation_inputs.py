"""Inputs of the wrong shape get a ValidationError that says what to pass, never a TypeError."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from pyTD.exceptions import ValidationError
from pyTD.validation import check_enum_list, check_mapping, to_date, to_epoch_ms

ALLOWED = ("EQUITY", "OPTION")
AHEAD = timezone(timedelta(hours=23, minutes=59))
BEHIND = timezone(-timedelta(hours=23, minutes=59))


@pytest.mark.parametrize("values", [None, 5, 2.5, b"EQUITY", {"EQUITY": 1}, object()])
def test_an_enum_list_that_is_not_a_list_is_a_validation_error(values):
    with pytest.raises(ValidationError, match=r"markets must be a string or a list of strings; "
                                              r"got .*: pass one or more of EQUITY, OPTION"):
        check_enum_list("markets", values, ALLOWED)


def test_an_enum_list_still_takes_lists_tuples_and_comma_strings():
    assert check_enum_list("markets", ("option", "EQUITY"), ALLOWED) == ["OPTION", "EQUITY"]
    assert check_enum_list("markets", "equity,option", ALLOWED) == ["EQUITY", "OPTION"]


@pytest.mark.parametrize("value", [datetime.min.replace(tzinfo=AHEAD),
                                   datetime.max.replace(tzinfo=BEHIND)])
def test_a_datetime_without_a_utc_day_is_a_validation_error(value):
    with pytest.raises(ValidationError, match=r"start_date=.* has no calendar day in UTC.*"
                                              r"within years 1 to 9999"):
        to_date("start_date", value)


@pytest.mark.parametrize("value", [datetime.min.replace(tzinfo=AHEAD), datetime(1969, 12, 31),
                                   date(1960, 1, 1)])
def test_a_time_before_the_epoch_is_refused_before_sending(value):
    with pytest.raises(ValidationError, match=r"end_date must not be before 1970-01-01 UTC"):
        to_epoch_ms("end_date", value)


def test_extreme_datetimes_in_range_still_convert():
    assert to_date("d", datetime.max.replace(tzinfo=AHEAD)) == date(9999, 12, 31)
    assert to_epoch_ms("d", datetime(1970, 1, 1, tzinfo=timezone.utc)) == 0


@pytest.mark.parametrize("body, where", [
    ({"price": float("nan")}, "price"), ({"legs": [{"quantity": float("inf")}]},
                                         r"legs\[0\]\.quantity"),
    ({"a": {"b": object()}}, r"a\.b")])
def test_a_body_pyTD_cannot_encode_is_refused_before_sending(body, where):
    with pytest.raises(ValidationError, match=rf"order: the body's {where} .*Nothing was sent"):
        check_mapping("order", body)


def test_dates_in_a_body_are_encoded_not_refused():
    body = {"enteredTime": datetime(2024, 1, 1)}
    assert check_mapping("order", body) is body
