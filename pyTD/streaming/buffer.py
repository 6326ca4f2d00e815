"""The bounded buffer between the stream's reader and a slow consumer.

Policy when full (``capacity`` messages waiting): the oldest level-one quote is
dropped to make room; if none is waiting, the oldest message of any other kind
except account activity; account activity and status records are never dropped
(the buffer may then grow past ``capacity``). ``dropped`` counts by service::

    buffer = StreamBuffer(capacity=10_000)
    buffer.put(message)
    buffer.dropped            # {"quotes": 12}
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Union

from pyTD.streaming.fields import LEVEL_ONE, NEVER_DROPPED
from pyTD.streaming.records import Message, Status

Item = Union[Message, Status]


def _droppable(item: Item, level_one_only: bool) -> bool:
    if not isinstance(item, Message) or item.streamer_service in NEVER_DROPPED:
        return False
    return item.streamer_service in LEVEL_ONE or not level_one_only


class StreamBuffer:
    """A FIFO of messages with the drop policy above; ``get`` waits (asyncio) for one."""

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._items: deque[Item] = deque()
        self._ready: asyncio.Event = asyncio.Event()
        #: pyTD service name -> messages dropped because the consumer was slow.
        self.dropped: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Item) -> None:
        """Queue ``item``, dropping by the policy when the buffer is full."""
        if len(self._items) >= self.capacity:
            self._drop_one()
        self._items.append(item)
        self._ready.set()

    def _drop_one(self) -> None:
        for level_one_only in (True, False):
            for index, queued in enumerate(self._items):
                if _droppable(queued, level_one_only):
                    del self._items[index]
                    name = queued.service if isinstance(queued, Message) else "status"
                    self.dropped[name] = self.dropped.get(name, 0) + 1
                    return

    def get_nowait(self) -> Any:
        """The oldest item; ``IndexError`` when empty."""
        item = self._items.popleft()
        if not self._items:
            self._ready.clear()
        return item

    async def wait(self) -> None:
        """Wait until an item is queued (taking none: a cancelled wait loses nothing)."""
        while not self._items:
            await self._ready.wait()

    async def get(self) -> Item:
        """The oldest item, waiting for one."""
        await self.wait()
        item: Item = self.get_nowait()
        return item

    @property
    def total_dropped(self) -> int:
        """Messages dropped so far, of every service."""
        return sum(self.dropped.values())
