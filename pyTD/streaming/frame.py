"""A run of stream messages as a pandas DataFrame (needs the ``pandas`` extra).

    >>> from pyTD.streaming import messages_frame
    >>> frame = messages_frame(collected)          # doctest: +SKIP
    >>> frame[["key", "bid", "ask"]].tail()         # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Iterable

from pyTD.output import pandas
from pyTD.streaming.records import Message


def messages_frame(items: Iterable[Any], *, fill: bool = True) -> Any:
    """One row per :class:`Message` (status records are skipped): ``time``, ``service``,
    ``key``, ``seq`` and the named fields. With ``fill``, level-one rows carry forward
    each key's last value of the fields a message did not repeat (they send changes only).
    """
    pd = pandas()
    rows = [{"time": m.time, "service": m.service, "key": m.key, "seq": m.seq, **m.fields}
            for m in items if isinstance(m, Message)]
    frame = pd.DataFrame(rows, columns=None if rows else ["time", "service", "key", "seq"])
    if fill and rows:
        fields = [c for c in frame.columns if c not in ("time", "service", "key", "seq")]
        frame[fields] = frame.groupby(["service", "key"])[fields].ffill()
    return frame
