"""Option symbols in TD's and Schwab's forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from pyTD.exceptions import ValidationError
from pyTD.provider import TD_AMERITRADE
from pyTD.symbols import OptionSymbol, is_option_symbol


@pytest.mark.parametrize("td, osi", [
    ("AAPL_051724C190", "AAPL  240517C00190000"),
    ("XYZ_011516C42.5", "XYZ   160115C00042500"),
    ("F_121120C.5", "F     201211C00000500"),
    ("SPXW_042024P5040", "SPXW  240420P05040000"),
    ("BRK.B_061826C412.75", "BRK.B 260618C00412750"),
])
def test_both_forms_read_and_write_each_other(td, osi):
    assert OptionSymbol.parse(td) == OptionSymbol.parse(osi)
    assert OptionSymbol.parse(osi).td() == td
    assert OptionSymbol.parse(td).osi() == osi
    assert is_option_symbol(td) and is_option_symbol(osi)


def test_build_from_parts_with_any_number_type():
    built = OptionSymbol("aapl", date(2024, 5, 17), "c", np.float64(190))
    assert built == OptionSymbol("AAPL", date(2024, 5, 17), "CALL", Decimal("190.000"))
    assert built.put_call == "CALL" and built.underlying == "AAPL"
    assert built.render(TD_AMERITRADE) == "AAPL_051724C190"


@pytest.mark.parametrize("text", ["AAPL", "AAPL_133124C190", "AAPL_051724X190", "",
                                  "AAPL 240517C190",
                                  "AAPL  241317C00190000"])
def test_other_text_is_not_an_option_symbol(text):
    with pytest.raises(ValidationError, match="use the form 'AAPL_051724C190' \\(TD\\) or "
                                              "'AAPL  240517C00190000' \\(Schwab\\)"):
        OptionSymbol.parse(text)
    assert not is_option_symbol(text)


@pytest.mark.parametrize("args, message", [
    (("TOOLONGX", date(2024, 5, 17), "C", 1), "1 to 6 characters"),
    (("AAPL", "2024-05-17", "C", 1), "must be a date"),
    (("AAPL", date(2024, 5, 17), "X", 1), "'CALL' or 'PUT'"),
    (("AAPL", date(2024, 5, 17), "C", 0), "positive number"),
    (("AAPL", date(2024, 5, 17), "C", "1.2345"), "at most three decimals"),
    (("AAPL", date(2024, 5, 17), "C", float("nan")), "positive number"),
    (("AAPL", date(2024, 5, 17), "C", True), "positive number"),
])
def test_bad_parts_are_refused_with_advice(args, message):
    with pytest.raises(ValidationError, match=message):
        OptionSymbol(*args)
