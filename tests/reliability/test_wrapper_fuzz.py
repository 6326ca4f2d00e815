"""Property: every public wrapper, given any arguments, returns or raises a ``TDError``.

The wrappers are found at test time (the public functions of ``pyTD.market``,
``pyTD.instruments`` and ``pyTD.accounts``) and called as module functions
with ``api=`` an api on the sandbox. Arguments are passed by the keyword names
of each wrapper's signature, so the test follows signature changes by itself.
Values mix plausible ones (symbols, the sandbox's account ids, enum spellings,
dates) with wrong shapes and extremes (``None``, numbers where lists belong,
huge ints, NaN, bytes, dicts, timezone-aware datetimes at the ends of time).
A ``TypeError``, ``OverflowError`` or any other exception that is not a
``TDError`` fails the test. Bounded: a few dozen derandomized examples per wrapper.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from types import ModuleType
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyTD.accounts
import pyTD.instruments
import pyTD.market
from pyTD.exceptions import TDError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.accounts import ACCOUNT_IDS
from pyTD.sandbox.client import sandbox_api

EXAMPLES = 40
#: Parameters the test supplies itself.
FIXED = frozenset({"api"})

_EXTREME_ZONES = [timezone(timedelta(hours=23, minutes=59)),
                  timezone(-timedelta(hours=23, minutes=59)), timezone.utc]

#: Values that look right for some parameter: the test reaches past the first check with them.
plausible = st.sampled_from([
    "AAPL", "MSFT,SPY", ["AAPL", "QQQ"], "$SPX.X", "/ES", "037833100", ACCOUNT_IDS[0],
    int(ACCOUNT_IDS[1]), "EQUITY", ["EQUITY", "OPTION"], "up", "percent", "CALL", "ALL",
    "daily", "minute", "month", "day", 1, 10, "positions", ["positions", "orders"],
    "streamerSubscriptionKeys", "json", "pandas", "symbol-search", "desc-regex", "TRADE",
    "FILLED", date(2024, 1, 31), "2024-01-31", datetime(2024, 1, 31, 15, 30), True, False,
    {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
     "orderStrategyType": "SINGLE", "orderLegCollection": [
         {"instruction": "BUY", "quantity": 1,
          "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]},
])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.binary(max_size=6), st.dates(),
    st.datetimes(timezones=st.sampled_from(_EXTREME_ZONES) | st.none()),
)
values = st.one_of(
    plausible, plausible, plausible, scalars,   # weighted: plausible values get further in
    st.lists(scalars | plausible, max_size=4),
    st.dictionaries(st.text(max_size=6), scalars, max_size=3),
    st.sampled_from([datetime.min.replace(tzinfo=_EXTREME_ZONES[0]),
                     datetime.max.replace(tzinfo=_EXTREME_ZONES[1]), datetime.max,
                     date.min, date.max, 2**63, -1, 0, float("nan"), object()]),
)


def public_wrappers() -> list[tuple[str, Callable[..., Any]]]:
    """``(module.name, function)`` of every public endpoint wrapper."""
    found: dict[str, Callable[..., Any]] = {}
    modules: list[ModuleType] = [pyTD.market, pyTD.instruments, pyTD.accounts]
    for module in modules:
        names = getattr(module, "__all__", None) or [n for n in vars(module)
                                                     if not n.startswith("_")]
        for name in names:
            function = getattr(module, name)
            if inspect.isfunction(function) and function.__module__.startswith(
                    module.__name__) and "api" in inspect.signature(function).parameters:
                found.setdefault(f"{module.__name__}.{name}", function)
    return sorted(found.items())


def arguments(function: Callable[..., Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``function``: every required parameter, some optional ones."""
    required, optional = {}, {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in FIXED or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD,
                                               parameter.POSITIONAL_ONLY):
            continue
        target = required if parameter.default is parameter.empty else optional
        target[name] = values
    return st.fixed_dictionaries(required, optional=optional)


@dataclass
class FuzzRun:
    """What the fuzzing of all wrappers saw."""

    wrappers: int = 0
    calls: int = 0
    succeeded: int = 0
    td_errors: int = 0
    escaped: list[str] = field(default_factory=list)   # exceptions that are not TDErrors
    short: list[str] = field(default_factory=list)     # wrappers with parameters, called less
    seconds: float = 0.0


def fuzz_wrapper(client: Any, function: Callable[..., Any], run: FuzzRun,
                 examples: int = EXAMPLES) -> None:
    """Call ``function`` with ``examples`` generated argument sets, counting outcomes in ``run``."""

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(arguments(function))
    def call(kwargs: dict[str, Any]) -> None:
        run.calls += 1
        try:
            function(**kwargs, api=client)
        except TDError:
            run.td_errors += 1
            return
        except Exception as exc:
            run.escaped.append(f"{function.__name__}(**{kwargs!r}): {type(exc).__name__}: "
                               f"{exc}"[:300])
            return
        run.succeeded += 1

    before = run.calls
    call()
    run.wrappers += 1
    if takes_arguments(function) and run.calls - before != examples:
        run.short.append(f"{function.__name__}: {run.calls - before} calls")


def takes_arguments(function: Callable[..., Any]) -> bool:
    """Whether ``function`` has parameters to generate (a wrapper of none is called once)."""
    return any(name not in FIXED for name in inspect.signature(function).parameters)


def fuzz_all_wrappers(examples: int = EXAMPLES) -> FuzzRun:
    """Every public wrapper against one sandbox; the run's counts."""
    run = FuzzRun()
    started = time.perf_counter()
    with Sandbox() as sandbox:
        client = sandbox_api(sandbox, timeout=(5.0, 10.0), retry_count=0)
        for _, function in public_wrappers():
            fuzz_wrapper(client, function, run, examples)
        client.close()
    run.seconds = time.perf_counter() - started
    return run


def test_the_wrappers_are_found():
    names = {name.rsplit(".", 1)[1] for name, _ in public_wrappers()}
    assert {"get_quotes", "get_market_hours", "get_instruments", "get_accounts",
            "get_streamer_subscription_keys", "place_order"} <= names


@pytest.mark.slow
def test_any_input_to_any_wrapper_returns_or_raises_a_TDError(figure):
    run = fuzz_all_wrappers()
    assert run.escaped == []
    assert run.short == []
    no_arguments = sum(not takes_arguments(f) for _, f in public_wrappers())
    assert run.calls == (run.wrappers - no_arguments) * EXAMPLES + no_arguments
    assert run.succeeded > 0 and run.td_errors > 0
    figure("wrapper fuzz", f"{run.wrappers} wrappers, {run.calls} calls: {run.succeeded} "
                           f"returned, {run.td_errors} TDErrors, {len(run.escaped)} other "
                           f"exceptions, {run.seconds:.1f} s")
