"""Many requests of one call (a symbol each, or a batch each), kept in flight together.

A small thread pool sends them; the api's pacer (:mod:`pyTD.pacing`) holds
them to the quota, so no more are in flight than the quota allows. Results
come back in input order; the first failure (in input order) is raised once
the requests already sent have finished, and nothing more is sent after it,
as a plain loop would stop at it::

    >>> fetch_all(["AAPL", "MSFT"], fetch_one, client, progress=True,
    ...           label="price history")                                  # doctest: +SKIP
    [{...}, {...}]
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Callable, Optional, Sequence, TypeVar

from pyTD.pacing import Abandoned, abandon_when
from pyTD.progress import ProgressArg, start

if TYPE_CHECKING:
    from pyTD.api import api as Client

T = TypeVar("T")
R = TypeVar("R")

#: Requests in flight at most (fewer when the quota is smaller).
MAX_IN_FLIGHT = 8


def fetch_all(items: Sequence[T], fetch: Callable[[T], R], client: Client, *,
              progress: ProgressArg = None, label: str = "requests",
              sizes: Optional[Sequence[int]] = None) -> list[R]:
    """``[fetch(item) for item in items]``, several at a time, with progress.

    ``sizes`` weighs each item in the progress counts (e.g. the symbols in a
    batch); by default each counts one.
    """
    weights = list(sizes) if sizes is not None else [1] * len(items)
    shown = start(progress, sum(weights), label)
    pacer = client.pacer
    workers = min(len(items), MAX_IN_FLIGHT, pacer.quota.limit if pacer else MAX_IN_FLIGHT)
    try:
        with client.transport.waits.listening(shown.waiting):
            if workers <= 1:
                results = []
                for item, weight in zip(items, weights):
                    results.append(fetch(item))
                    shown.step(weight)
                return results
            return _in_pool(items, fetch, weights, workers, shown.step)
    finally:
        shown.close()


def _in_pool(items: Sequence[T], fetch: Callable[[T], R], weights: list[int], workers: int,
             step: Callable[[int], None]) -> list[R]:
    stop = threading.Event()   # set on a failure or Ctrl+C: no thread waits out the rate limit

    def one(item: T) -> R:
        with abandon_when(stop):
            return fetch(item)

    pool = ThreadPoolExecutor(workers, thread_name_prefix="pyTD-bulk")
    try:
        futures: list[Future[R]] = [pool.submit(one, item) for item in items]
        index = {future: i for i, future in enumerate(futures)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            failed = [future for future in done if future.exception() is not None]
            for future in done:
                if future.exception() is None:
                    step(weights[index[future]])
            if failed:   # send no more; let those already sent finish
                stop.set()
                for future in pending:
                    future.cancel()
                wait(pending)
                pending = set()
        for future in futures:   # the first failure in input order
            error = None if future.cancelled() else future.exception()
            if error is not None and not isinstance(error, Abandoned):
                raise error
        return [future.result() for future in futures]
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
