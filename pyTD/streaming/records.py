"""What a stream hands out: data messages with named fields, and status records.

    >>> for msg in stream:                                  # doctest: +SKIP
    ...     if isinstance(msg, Status):
    ...         print(msg.text)                             # "reconnected after 2.1 s, ..."
    ...     else:
    ...         print(msg.key, msg["bid"], msg.time)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

_UTC = dt.timezone.utc


@dataclass
class Message:
    """One item of a ``data`` frame: ``fields`` by name, converted; ``raw`` as received.

    ``service`` is pyTD's name (``"quotes"``, ``"chart"``...), ``streamer_service``
    the provider's (``"QUOTE"``, ``"LEVELONE_EQUITIES"``...). Level-one services send
    only the fields that changed since the last message of the same ``key``.
    """

    service: str
    streamer_service: str
    key: str
    fields: dict[str, Any]
    time: dt.datetime
    raw: dict = field(repr=False)
    seq: Optional[int] = None
    delayed: Optional[bool] = None

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The field ``name``, or ``default`` when this message does not carry it."""
        return self.fields.get(name, default)


@dataclass(frozen=True)
class Status:
    """Something happened to the connection: ``kind`` is ``connected``, ``disconnected``
    (reconnecting now), ``reconnected``, ``notice`` (a ``notify`` from the server),
    ``malformed`` (a frame that was skipped) or ``closed``.

    ``text`` says it in words, e.g. ``"reconnected after 2.1 s, 3 subscriptions restored"``.
    """

    kind: str
    text: str
    time: dt.datetime
    downtime: Optional[float] = None
    restored: int = 0
    code: Optional[int] = None
    service: Optional[str] = None
    dropped: int = 0


def epoch_ms(value: Any) -> dt.datetime:
    """An aware UTC datetime of a streamer timestamp (epoch ms; now when missing)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, _UTC)
    return dt.datetime.now(_UTC)


def status(kind: str, text: str, **details: Any) -> Status:
    """A :class:`Status` stamped now."""
    return Status(kind, text, dt.datetime.now(_UTC), **details)
