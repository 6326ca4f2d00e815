"""Order placement under faults: never sent twice, and nothing placed without a trace.

200 orders are placed one after the other, each with its own quantity (1 to
200) so that every attempt can be found in the sandbox's order book. The
orders alternate between the sandbox's two accounts:

- the cash account meets faults *before* the order is processed: 5xx, 429,
  dropped connections (not placed), and answers slower than the read timeout
  (placed after the client gave up);
- the margin account meets faults *after* it was processed (``apply_after``):
  the order is placed and then the connection is dropped, or the answer comes
  too late.

A POST is never retried, so the client can only know "placed" (an id), "refused"
(a typed HTTP error) or "unknown" (``UnknownOutcomeError``). The order book must
hold every placed order, none of the refused ones, at most the unknown ones,
and no order twice.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from pyTD.exceptions import RateLimitError, ServerError, TDError, UnknownOutcomeError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.accounts import ACCOUNT_IDS
from pyTD.sandbox.accounts.models import state
from pyTD.sandbox.client import sandbox_api

SEED = 77
ATTEMPTS = 200
CASH, MARGIN = ACCOUNT_IDS
#: Faults before processing (cash account) and after it (margin account).
BEFORE = {"error_5xx": 0.20, "rate_429": 0.05, "drop": 0.05, "slow": 0.05}
AFTER = {"drop": 0.15, "slow": 0.05}
READ_TIMEOUT, SLOW_SECONDS = 0.2, 0.4


def order(quantity: int) -> dict:
    """A valid market order whose quantity identifies the attempt."""
    return {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
            "orderStrategyType": "SINGLE",
            "orderLegCollection": [{"instruction": "BUY", "quantity": quantity,
                                    "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}


def post_path(account_id: str) -> str:
    return f"POST /v1/accounts/{account_id}/orders"


@dataclass
class OrderRun:
    """Attempts by quantity: what the client was told, and what the sandbox holds."""

    attempts: int
    placed: dict[int, int] = field(default_factory=dict)        # quantity -> order id
    refused: set[int] = field(default_factory=set)
    unknown: set[int] = field(default_factory=set)
    unknown_messages: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    posts_per_attempt: Counter = field(default_factory=Counter)  # POSTs seen -> attempts
    book: dict[int, int] = field(default_factory=dict)          # order id -> quantity
    seen_by_client: dict[int, int] = field(default_factory=dict)  # the same, via get_orders
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(self.book.values()).values() if n > 1)

    @property
    def unknown_placed(self) -> int:
        return len(self.unknown & set(self.book.values()))


def run_orders(attempts: int = ATTEMPTS, *, seed: int = SEED) -> OrderRun:
    """Place ``attempts`` orders under faults and collect both sides' accounts of them."""
    run = OrderRun(attempts)
    with Sandbox(seed=seed) as sandbox:
        client = sandbox_api(sandbox, timeout=(1.0, READ_TIMEOUT), retry_count=5, pause=0.001,
                             retry_max_wait=0.05)
        sandbox.set_faults(f"/v1/accounts/{CASH}/orders", methods=["POST"], **BEFORE,
                           slow_seconds=SLOW_SECONDS, seed=seed)
        sandbox.set_faults(f"/v1/accounts/{MARGIN}/orders", methods=["POST"], **AFTER,
                           slow_seconds=SLOW_SECONDS, seed=seed + 1, apply_after=True)
        started = time.perf_counter()
        for i in range(attempts):
            quantity, account = i + 1, ACCOUNT_IDS[i % 2]
            before = sandbox.stats()["calls"].get(post_path(account), 0)
            try:
                run.placed[quantity] = client.place_order(account, order(quantity))
            except UnknownOutcomeError as exc:
                run.unknown.add(quantity)
                run.unknown_messages.append(str(exc))
            except (ServerError, RateLimitError):
                run.refused.add(quantity)
            except TDError as exc:
                run.unexpected.append(f"{quantity}: {type(exc).__name__}: {exc}")
            run.posts_per_attempt[sandbox.stats()["calls"].get(post_path(account), 0)
                                  - before] += 1
        run.seconds = time.perf_counter() - started
        time.sleep(SLOW_SECONDS + 0.3)   # let requests the client gave up on finish
        with sandbox.lock:
            run.book = {oid: int(o["quantity"]) for oid, o in state(sandbox).orders.items()}
        # What a user does after an UnknownOutcomeError: look at the orders.
        for account in ACCOUNT_IDS:
            for listed in client.get_orders(account):
                run.seen_by_client[listed["orderId"]] = int(listed["quantity"])
        client.close()
    return run


def test_orders_under_faults_are_never_duplicated_or_lost(figure):
    run = run_orders()
    assert run.unexpected == []
    assert len(run.placed) + len(run.refused) + len(run.unknown) == ATTEMPTS
    # Each attempt reached the sandbox exactly once: a POST is never resent.
    assert run.posts_per_attempt == Counter({1: ATTEMPTS})
    assert run.duplicates == 0
    held = set(run.book.values())
    assert set(run.placed) <= held                            # everything reported placed is
    assert all(run.book[oid] == q for q, oid in run.placed.items())   # ... under its own id
    assert not run.refused & held                             # a refused order is not placed
    assert held <= set(run.placed) | run.unknown              # the rest: unknown outcomes only
    # The faults happened, including orders placed whose answer was lost.
    assert run.refused and run.unknown and run.unknown_placed
    assert run.unknown_placed < len(run.unknown)              # and unknowns that were not placed
    # The user's way to find out, get_orders, shows exactly the order book.
    assert run.seen_by_client == run.book
    for message in run.unknown_messages:
        assert "may or may not have been applied" in message
        assert "get_orders()" in message and "before sending it again" in message
    figure("orders",
           f"{ATTEMPTS} attempts: {len(run.placed)} placed, {len(run.refused)} refused, "
           f"{len(run.unknown)} unknown ({run.unknown_placed} of them placed), "
           f"{run.duplicates} duplicates, {run.seconds:.1f} s")
