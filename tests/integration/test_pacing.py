"""Pacing against a rate-limited sandbox with a short window: no 429, in order, with progress.

The sandbox counts per app per window of its clock (TD's minute, shortened
here with ``rate_window``), as TD's quota did. Assertions are on counts; the
only timing checked is a lower bound (the quota cannot be beaten).
"""

from __future__ import annotations

import threading
import time

import pytest

from pyTD.exceptions import RateLimitError

WINDOW = 1.0
LIMIT = 10
SYMBOLS = [f"P{i:03d}" for i in range(35)]
HISTORY = {"period_type": "month", "period": 1, "frequency_type": "daily"}


def rest_429s(sandbox) -> int:
    return sandbox.stats()["status"].get(429, 0)


@pytest.fixture
def limited(make_sandbox):
    sandbox = make_sandbox(rate_limit=LIMIT, rate_window=WINDOW, symbols=SYMBOLS)
    return sandbox


def paced_api(sandbox, **kwargs):
    from pyTD.sandbox.client import sandbox_api

    return sandbox_api(sandbox, quota=f"{LIMIT}/{WINDOW:g}", **kwargs)


def test_threads_of_one_api_share_the_quota(limited):
    client = paced_api(limited)
    limited.reset_stats()
    errors = []

    def work():
        try:
            for _ in range(5):
                client.get_quotes("AAPL")
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    assert errors == []
    assert rest_429s(limited) == 0
    assert limited.stats()["status"][200] == 40
    assert elapsed >= (40 / LIMIT - 1) * WINDOW   # 4 windows' worth: 3 waits at least


def test_a_bulk_call_stays_inside_the_quota_in_order_with_progress(limited):
    client = paced_api(limited)
    seen = []
    limited.reset_stats()
    data = client.get_price_history(SYMBOLS, **HISTORY,
                                    progress=lambda done, total: seen.append((done, total)))
    assert list(data) == SYMBOLS
    assert rest_429s(limited) == 0
    assert limited.stats()["status"][200] == len(SYMBOLS)
    assert seen == [(n, len(SYMBOLS)) for n in range(1, len(SYMBOLS) + 1)]
    assert client.pacer.waited >= (len(SYMBOLS) / LIMIT - 1) * WINDOW * 0.5


@pytest.fixture
def tight(make_sandbox):
    """3 requests per 2 s: 12 requests sent without pacing meet a 429 unless they take 8 s."""
    return make_sandbox(rate_limit=3, rate_window=2.0, symbols=SYMBOLS)


def test_without_pacing_the_same_call_collects_429s(tight):
    from pyTD.sandbox.client import sandbox_api

    client = sandbox_api(tight, quota="off", retry_count=0)
    tight.reset_stats()
    with pytest.raises(RateLimitError):
        client.get_price_history(SYMBOLS[:12], **HISTORY)
    assert rest_429s(tight) > 0


def test_a_429_wait_is_shown_as_waiting_for_the_rate_limit(tight, capsys):
    from pyTD.sandbox.client import sandbox_api

    client = sandbox_api(tight, quota="off", retry_count=12)
    data = client.get_price_history(SYMBOLS[:12], **HISTORY, progress=True)
    assert len(data) == 12
    assert rest_429s(tight) > 0
    assert "for the rate limit" in capsys.readouterr().err


def test_the_pacers_wait_is_shown_too(tight, capsys):
    from pyTD.sandbox.client import sandbox_api

    client = sandbox_api(tight, quota="3/2")
    tight.reset_stats()
    client.get_price_history(SYMBOLS[:7], **HISTORY, progress=True)
    assert rest_429s(tight) == 0
    assert "waiting 2s for the rate limit" in capsys.readouterr().err


def test_quote_batches_go_together_in_order(limited):
    client = paced_api(limited)
    names = [f"Q{i:04d}" for i in range(1200)]
    batches = -(-1202 // client.provider.max_quote_symbols)
    seen = []
    data = client.get_quotes(["AAPL", *names, "MSFT"],
                             progress=lambda done, total: seen.append((done, total)))
    assert {"AAPL", "MSFT"} <= set(data)
    assert seen[-1] == (1202, 1202) and len(seen) == batches > 1
    assert rest_429s(limited) == 0


def test_the_first_failure_in_input_order_is_raised(limited):
    from pyTD.exceptions import ServerError

    client = paced_api(limited, retry_count=0)
    for name in ("P005", "P003"):
        limited.set_faults(limited.api_path(f"/marketdata/{name}/pricehistory"), error_5xx=1.0)
    with pytest.raises(ServerError, match="P003"):
        client.get_price_history(SYMBOLS[:8], **HISTORY)


def test_the_sandbox_window_resets_and_says_when(make_sandbox, clock):
    import requests

    sandbox = make_sandbox(rate_limit=1, rate_window=5.0, clock=clock)
    from pyTD.sandbox.client import sandbox_api

    token = sandbox_api(sandbox).access_token.token
    session = requests.Session()
    url = sandbox.base_url + "/marketdata/AAPL/quotes"
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [session.get(url, headers=headers, timeout=5) for _ in range(2)]
    assert [a.status_code for a in statuses] == [200, 429]
    assert statuses[1].headers["Retry-After"] == "5"
    clock.advance(5.0)
    assert session.get(url, headers=headers, timeout=5).status_code == 200


def test_a_failure_stops_the_threads_waiting_for_the_rate_limit(make_sandbox):
    from pyTD.exceptions import ServerError
    from pyTD.sandbox.client import sandbox_api

    sandbox = make_sandbox(symbols=SYMBOLS)
    sandbox.set_faults(sandbox.api_path("/marketdata/P001/pricehistory"), error_5xx=1.0)
    client = sandbox_api(sandbox, quota="2/60", retry_count=0)   # the rest wait a minute
    sandbox.reset_stats()
    started = time.monotonic()
    with pytest.raises(ServerError, match="P001"):
        client.get_price_history(SYMBOLS[:6], **HISTORY)
    assert time.monotonic() - started < 30        # not the minute's wait
    assert sum(sandbox.stats()["status"].values()) == 2
