"""What the stream is subscribed to, by streamer service: keys and field ids.

The registry is changed before each command is sent, so a reconnection restores
exactly what the user asked for, even a command that was in flight when the
connection dropped::

    subs = Subscriptions()
    subs.subscribe("QUOTE", ["AAPL", "MSFT"], (0, 1, 2))
    subs.unsubscribe("QUOTE", ["MSFT"])
    subs.commands()        # [("QUOTE", "SUBS", {"keys": "AAPL", "fields": "0,1,2"})]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional


@dataclass
class Subscription:
    """The keys (in subscription order) and field ids of one service."""

    keys: dict[str, None] = field(default_factory=dict)
    fields: tuple[int, ...] = ()

    def parameters(self, keys: Optional[Iterable[str]] = None) -> dict[str, str]:
        """``{"keys": "A,B", "fields": "0,1"}`` for ``keys`` (default: all of them)."""
        return {"keys": ",".join(self.keys if keys is None else keys),
                "fields": ",".join(map(str, self.fields))}


class Subscriptions:
    """Subscriptions by streamer service."""

    def __init__(self) -> None:
        self._by_service: dict[str, Subscription] = {}

    def __len__(self) -> int:
        return len(self._by_service)

    @property
    def key_count(self) -> int:
        """Keys subscribed over all services (AAPL quotes and AAPL bars count as 2)."""
        return sum(len(sub.keys) for sub in self._by_service.values())

    def __contains__(self, service: str) -> bool:
        return service in self._by_service

    def get(self, service: str) -> Optional[Subscription]:
        """The subscription of ``service``, if any."""
        return self._by_service.get(service)

    def subscribe(self, service: str, keys: Iterable[str], fields: tuple[int, ...]) -> None:
        """SUBS: ``keys`` replace the service's keys."""
        self._by_service[service] = Subscription(dict.fromkeys(keys), fields)

    def add(self, service: str, keys: Iterable[str], fields: tuple[int, ...]) -> None:
        """ADD: ``keys`` join the service's keys (its fields stay unless it had none)."""
        current = self._by_service.setdefault(service, Subscription(fields=fields))
        current.keys.update(dict.fromkeys(keys))

    def unsubscribe(self, service: str, keys: Optional[Iterable[str]]) -> list[str]:
        """UNSUBS: the keys removed (all for ``None``); a service left empty is forgotten."""
        current = self._by_service.get(service)
        if current is None:
            return []
        removed = list(current.keys) if keys is None else [k for k in keys if k in current.keys]
        for key in removed:
            del current.keys[key]
        if not current.keys:
            del self._by_service[service]
        return removed

    def view(self, service: str, fields: tuple[int, ...]) -> None:
        """VIEW: new field ids for every key of the service."""
        current = self._by_service.get(service)
        if current is not None:
            current.fields = fields

    def commands(self) -> list[tuple[str, str, dict[str, str]]]:
        """The SUBS commands that restore everything on a new connection."""
        return [(service, "SUBS", sub.parameters()) for service, sub in self._by_service.items()]
