"""GETs through an unreliable network: retried until they succeed, or a typed error in time.

The sandbox injects seeded faults on the market-data routes: 5xx answers,
429s, connections closed without an answer, and answers slower than the
client's read timeout. urllib3's ``Retry`` on the HTTP adapter must turn
every one of them into a success, each retry visible at the sandbox as one
more request. With faults on every request, the typed error must arrive
within the time the retry policy allows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

from pyTD.exceptions import (
    RateLimitError,
    ServerError,
    TDError,
    TransportError,
    UnknownOutcomeError,
)
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api

SEED = 2024
GETS = 1000
#: The fault mix of the brief: 20 % 5xx, 5 % 429, 5 % dropped, 5 % slower than the timeout.
MIX = {"error_5xx": 0.20, "rate_429": 0.05, "drop": 0.05, "slow": 0.05}
CONNECT_TIMEOUT, READ_TIMEOUT = 1.0, 0.1
SLOW_SECONDS = 0.3
PAUSE = 0.001
#: 35 % of requests fail; 0.35 ** 13 per GET makes a give-up unlikely, and the seed makes it sure.
RETRY_COUNT = 12
#: A 429 waits for the next minute of the sandbox's clock (a real minute here): cap each wait.
MAX_WAIT = 0.05
SYMBOLS = ("AAPL", "MSFT", "SPY", "QQQ", "TSLA", "AMZN", "NVDA", "GOOG")
MARKET = "/v1/marketdata/"


@dataclass
class FaultRun:
    """What a run of GETs under faults did, as seen by the client and by the sandbox."""

    gets: int
    successes: int = 0
    failures: list[str] = field(default_factory=list)
    attempts: int = 0                        # GET requests that reached the sandbox
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def retries(self) -> int:
        return self.attempts - self.gets


def market_gets(stats: dict[str, Any]) -> int:
    """GET requests on market-data paths the sandbox received."""
    return sum(n for call, n in stats["calls"].items() if call.startswith("GET " + MARKET))


def run_fault_mix(gets: int = GETS, *, seed: int = SEED, retry_count: int = RETRY_COUNT,
                  pause: float = PAUSE, mix: Optional[dict[str, float]] = None) -> FaultRun:
    """``gets`` quotes, one after the other, through the fault mix; counts from both ends."""
    run = FaultRun(gets)
    with Sandbox(seed=seed) as sandbox:
        client = sandbox_api(sandbox, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                             retry_max_wait=MAX_WAIT,
                             retry_count=retry_count, pause=pause)
        sandbox.set_faults(MARKET, **(MIX if mix is None else mix),
                           slow_seconds=SLOW_SECONDS, seed=seed)
        started = time.perf_counter()
        try:
            for i in range(gets):
                symbol = SYMBOLS[i % len(SYMBOLS)]
                try:
                    quote = client.get_quotes(symbol)
                except TDError as exc:
                    run.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                if quote.get(symbol, {}).get("symbol") == symbol:
                    run.successes += 1
                else:
                    run.failures.append(f"wrong answer for {symbol}: {sorted(quote)[:3]}")
        finally:
            run.seconds = time.perf_counter() - started
            client.close()
        stats = sandbox.stats()
    run.attempts = market_gets(stats)
    run.faults = {kind: n for kind, n in stats["faults"].items() if n}
    return run


def test_a_thousand_gets_through_the_fault_mix_all_succeed(figure):
    run = run_fault_mix()
    assert run.failures == []
    assert run.successes == GETS
    # Every injected fault cost one retry; nothing else was retried (but for a normal answer
    # that a stalled machine might rarely take longer than the 0.1 s timeout to read).
    assert 0 <= run.retries - sum(run.faults.values()) <= GETS // 200, run
    assert set(run.faults) == set(MIX)
    # The mix was really applied: about 35 % of all attempts failed.
    assert 0.30 < run.retries / run.attempts < 0.40, run
    figure("fault mix",
           f"{run.gets} GETs, {run.successes} succeeded, {run.retries} retries {run.faults}, "
           f"{run.seconds:.1f} s")


# -- faults on every request: the typed error within the policy's time budget ----------

def retry_budget(retry_count: int, pause: float, timeout: tuple[float, float], *,
                 backoff_max: float = 30.0, slack: float = 0.5) -> tuple[float, float]:
    """``(least, most)`` seconds a GET may take before giving up under this policy.

    urllib3 sleeps nothing before the first retry and ``pause * 2 ** (n - 1)`` (plus
    up to ``pause / 2`` of jitter, capped at ``backoff_max``) before retry ``n >= 2``;
    each of the ``retry_count + 1`` attempts is bounded by the connect and read
    timeouts (the sandbox writes an answer in one piece). ``slack`` covers the
    interpreter and a loaded machine.
    """
    connect, read = timeout
    least = sum(min(backoff_max, pause * 2 ** (n - 1)) for n in range(2, retry_count + 1))
    most = sum(min(backoff_max, pause * 2 ** (n - 1) + pause / 2)
               for n in range(2, retry_count + 1))
    return least, most + (retry_count + 1) * (connect + read) + slack


@dataclass
class GiveUp:
    """One GET under 100 % faults of one kind."""

    kind: str
    error: Optional[BaseException]
    seconds: float
    attempts: int
    least: float
    budget: float


BUDGET_RETRIES, BUDGET_PAUSE = 4, 0.05
#: The longest backoff of this policy (0.05 * 2 ** 3); also caps each wait for TD's next minute.
BUDGET_MAX_WAIT = 0.4
BUDGET_TIMEOUT = (0.5, 0.2)
EXPECTED = {"error_5xx": ServerError, "rate_429": RateLimitError, "drop": TransportError,
            "slow": TransportError}


def give_up(kind: str, *, retry_count: int = BUDGET_RETRIES, pause: float = BUDGET_PAUSE,
            timeout: tuple[float, float] = BUDGET_TIMEOUT, seed: int = SEED) -> GiveUp:
    """One GET against a sandbox where every market-data request meets ``kind``."""
    with Sandbox(seed=seed) as sandbox:
        client = sandbox_api(sandbox, timeout=timeout, retry_count=retry_count, pause=pause,
                             retry_max_wait=BUDGET_MAX_WAIT)
        sandbox.set_faults(MARKET, **{kind: 1.0}, slow_seconds=2 * timeout[1], seed=seed)
        started = time.perf_counter()
        error: Optional[BaseException] = None
        try:
            client.get_quotes("AAPL")
        except TDError as exc:
            error = exc
        seconds = time.perf_counter() - started
        client.close()
        attempts = market_gets(sandbox.stats())
    least, budget = retry_budget(retry_count, pause, timeout)
    if kind == "slow":
        least += (retry_count + 1) * timeout[1]
    return GiveUp(kind, error, seconds, attempts, least, budget)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_permanent_faults_raise_the_typed_error_within_the_budget(kind):
    result = give_up(kind)
    assert isinstance(result.error, EXPECTED[kind]), repr(result.error)
    assert not isinstance(result.error, UnknownOutcomeError)   # a GET changes nothing
    assert result.attempts == BUDGET_RETRIES + 1                # every retry was used ...
    assert result.least <= result.seconds <= result.budget, result   # ... with backoff, in time
    message = str(result.error)
    assert "/v1/marketdata/AAPL/quotes" in message
    if kind in ("drop", "slow"):
        assert "TD_BASE_URL" in message and "try again" in message


def test_truncated_json_is_a_typed_error_showing_the_start_of_the_body():
    with Sandbox(seed=SEED) as sandbox:
        client = sandbox_api(sandbox, retry_count=2, pause=PAUSE)
        whole = client.get_quotes("AAPL")
        sandbox.set_faults(MARKET, malformed=1.0, apply_after=True, seed=SEED)
        with pytest.raises(TDError) as info:
            client.get_quotes("AAPL")
        # A 200 answer is final: a bad body is reported, not retried.
        assert market_gets(sandbox.stats()) == 2
    message = str(info.value)
    assert info.value.status_code == 200
    assert "not JSON" in message and "TD_BASE_URL" in message
    assert '{"AAPL":{' in message                       # the start of what was received
    assert len(message) < 600                           # ... not the whole body
    assert whole["AAPL"]["symbol"] == "AAPL"
