"""The slots of one request quota in Redis, shared by every process on every host using it.

What :meth:`pyTD.cache.RedisCache.quota_slots` returns, for
``api(cache=RedisCache(...), share_quota=True)``: one quota per consumer key
and provider, a Redis hash beside the tokens (``<prefix>:quota:<provider>:<key>``).
Each claim is one Lua script, run atomically by the server, so two hosts never
take the same slot. The times are the pacer's clock, so the hosts' clocks must
agree (NTP keeps them well within a quota window)::

    >>> from pyTD.cache import RedisCache
    >>> cache = RedisCache("redis://redis.internal:6379/0", key="KEY")  # doctest: +SKIP
    >>> slots = cache.quota_slots()  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
import secrets
from typing import Any, Callable, Optional, TypeVar

from pyTD.pacing import Quota

T = TypeVar("T")

# KEYS: the hash; ARGV: limit, window, stale, now, new slot id. Each field is a slot,
# its value "claimed" or "claimed finished" (seconds). The free_at rule of
# pyTD.pacing, in Lua: an unfinished slot counts as finishing no sooner than now and
# no later than claimed + stale; a slot frees a window after it finished.
_CLAIM = """
local limit, window, stale, now = tonumber(ARGV[1]), tonumber(ARGV[2]),
    tonumber(ARGV[3]), tonumber(ARGV[4])
local entries = redis.call('hgetall', KEYS[1])
local busy, soonest = 0, nil
for i = 1, #entries, 2 do
  local claimed, finished = string.match(entries[i + 1], '^(%S+) ?(%S*)$')
  claimed = tonumber(claimed)
  finished = tonumber(finished)
  if finished == nil then finished = math.min(math.max(now, claimed), claimed + stale) end
  local free = finished + window
  if free <= now then
    redis.call('hdel', KEYS[1], entries[i])
  else
    busy = busy + 1
    if soonest == nil or free < soonest then soonest = free end
  end
end
if busy < limit then
  redis.call('hset', KEYS[1], ARGV[5], ARGV[4])
  redis.call('pexpire', KEYS[1], math.ceil((window + stale) * 1000))
  return {1, ''}
end
return {0, string.format('%.6f', soonest - now)}
"""
# KEYS: the hash; ARGV: slot id, now. Only a slot still there is marked finished.
_FINISH = """
local claimed = redis.call('hget', KEYS[1], ARGV[1])
if not claimed then return 0 end
redis.call('hset', KEYS[1], ARGV[1], claimed .. ' ' .. ARGV[2])
return 1
"""


class RedisSlots:
    """A :class:`~pyTD.pacing.SlotStore` in the Redis hash ``name``.

    ``client()`` gives the cache's current Redis client (a forked child has its
    own); ``run(action, command)`` turns Redis errors into the cache's
    :class:`~pyTD.exceptions.CacheError`.
    """

    def __init__(self, name: str, client: Callable[[], Any],
                 run: Callable[[str, Callable[[], Any]], Any]) -> None:
        self.name, self._client, self._run = name, client, run
        self._scripts: Optional[tuple[Any, Any, Any]] = None   # (client, claim, finish)
        self._prefix = secrets.token_hex(4)
        self._ids = itertools.count()

    def claim(self, quota: Quota, now: float, stale: float) -> tuple[Optional[str], float]:
        """See :meth:`pyTD.pacing.SlotStore.claim`."""
        claim, _ = self._bound()
        slot = f"{os.getpid()}-{self._prefix}-{next(self._ids)}"
        taken, wait = self._run("pace requests with", lambda: claim(
            keys=[self.name], args=[quota.limit, repr(quota.window), repr(stale), repr(now),
                                    slot]))
        if int(taken):
            return slot, 0.0
        return None, float(wait)

    def finish(self, slot: str, now: float) -> None:
        """See :meth:`pyTD.pacing.SlotStore.finish`."""
        _, finish = self._bound()
        self._run("pace requests with", lambda: finish(keys=[self.name], args=[slot, repr(now)]))

    def _bound(self) -> tuple[Any, Any]:
        """The two scripts, registered on the cache's current client."""
        client = self._client()
        if self._scripts is None or self._scripts[0] is not client:
            self._scripts = (client, client.register_script(_CLAIM),
                             client.register_script(_FINISH))
        return self._scripts[1], self._scripts[2]

    def __repr__(self) -> str:
        return f"RedisSlots({self.name!r})"
