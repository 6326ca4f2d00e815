"""One streamer connection of the sandbox: commands in, responses, heartbeats and ticks out.

Level-one services send the subscribed fields that changed since the last message
of the same key (all of them first); charts send each completed one-minute bar;
books, time and sales and screeners are sent by :mod:`pyTD.sandbox.streaming.feeds`.
Every frame out goes through the streamer's faults.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any, Optional

from pyTD.sandbox.accounts.models import ACCOUNT_IDS
from pyTD.sandbox.streaming import activity, chart_history, feeds, ticks
from pyTD.sandbox.streaming.faults import MALFORMED_FRAME
from pyTD.sandbox.streaming.wire import (
    BAD_COMMAND,
    CLOSE_CONNECTION,
    FAILED_ADD,
    FAILED_VIEW,
    LOGIN_DENIED,
    MAX_KEYS,
    NOT_LOGGED_IN,
    SERVICE_NOT_AVAILABLE,
    SUCCESS,
    SYMBOL_LIMIT,
)
from pyTD.streaming.fields import LEVEL_ONE

if TYPE_CHECKING:
    from pyTD.sandbox.streaming.server import Streamer

log = logging.getLogger(__name__)
CHARTS = frozenset({"CHART_EQUITY", "CHART_FUTURES"})


class Closed(Exception):
    """The session ended (LOGOUT, refused login, drop, another connection)."""


class Session:
    """The state of one connection: who logged in, subscriptions, what was sent."""

    def __init__(self, streamer: Streamer, ws: Any) -> None:
        self.streamer, self.ws, self.wire = streamer, ws, streamer.wire
        self.owner: Optional[str] = None
        #: service -> {"keys": {key: None}, "fields": (ids)}
        self.subs: dict[str, dict[str, Any]] = {}
        self._last: dict[tuple[str, str], dict[str, Any]] = {}
        self._stalled_until = 0.0
        self._orders: dict[int, str] = {}
        self._activity_seq = 0
        self.feeds = feeds.Feeds(streamer.sandbox, self.wire)

    # -- sending -------------------------------------------------------------------------
    async def send(self, body: dict, *, faults: bool = True) -> None:
        """Send one frame, through the faults (a stalled session sends nothing)."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._stalled_until:
            return
        fault = self.streamer.faults.frame() if faults else None
        if fault is not None:
            self.streamer.sandbox.count("streamer", f"fault_{fault}")
        if fault == "drop":
            self.ws.transport.abort()
            raise Closed
        if fault == "stall":
            self.stall(self.streamer.faults.stall_seconds)
            return
        await self.ws.send(MALFORMED_FRAME if fault == "malformed"
                           else json.dumps(body, separators=(",", ":")))

    def stall(self, seconds: float) -> None:
        """Send nothing (heartbeats included) for ``seconds``."""
        self._stalled_until = asyncio.get_running_loop().time() + seconds

    def now_ms(self) -> int:
        """The sandbox clock in epoch milliseconds."""
        return int(self.streamer.sandbox.clock() * 1000)

    async def respond(self, request: dict, code: int, message: str) -> None:
        """A ``response`` to ``request`` (never faulted)."""
        await self.send({"response": [self.wire.response(request, code, message, self.now_ms())]},
                        faults=False)

    async def notify(self, service: str, code: int, message: str) -> None:
        """A ``notify`` entry with a code (e.g. 12 when another connection logs in)."""
        await self.send({"notify": [{"service": service, "timestamp": self.now_ms(),
                                     "content": {"code": code, "msg": message}}]}, faults=False)

    # -- commands ------------------------------------------------------------------------
    async def handle(self, text: Any) -> None:
        """One frame from the client: ``{"requests": [...]}`` or a bare command."""
        try:
            body = json.loads(text)
            requests = body.get("requests", [body]) if isinstance(body, dict) else None
        except ValueError:
            requests = None
        if not isinstance(requests, list) or not all(isinstance(r, dict) for r in requests):
            await self.respond({}, BAD_COMMAND, "Bad command formatting")
            return
        for request in requests:
            await self.command(request)

    async def command(self, request: dict) -> None:
        """Serve one command object."""
        service, command = request.get("service"), request.get("command")
        sandbox = self.streamer.sandbox
        sandbox.count("streamer", f"{service} {command}")
        if service == "ADMIN" and command == "LOGIN":
            await self.login(request)
        elif self.owner is None:
            await self.respond(request, NOT_LOGGED_IN, "Stream connection not found: LOGIN "
                               "first and wait for its response")
        elif service == "ADMIN" and command == "LOGOUT":
            await self.respond(request, SUCCESS, "SUCCESS")
            raise Closed
        elif service == "ADMIN" and command == "QOS" and not self.wire.schwab:
            level = (request.get("parameters") or {}).get("qoslevel", "2")
            await self.respond(request, SUCCESS, f"QoS command succeeded. Set qoslevel={level}")
        elif service not in self.wire.fields:
            await self.respond(request, SERVICE_NOT_AVAILABLE,
                               "Service not available or temporary down")
        elif service == "CHART_HISTORY_FUTURES" or command == "GET":
            await self.get(request, str(service), str(command))
        else:
            await self.subscription(request, str(service), str(command))

    async def login(self, request: dict) -> None:
        """ADMIN LOGIN: code 0 for a valid token of a known app, else code 3 and close."""
        parameters = request.get("parameters") or {}
        refused = self.streamer.faults.login_refused()
        owner = None if refused else self.wire.login_owner(self.streamer.sandbox, parameters)
        if owner is None:
            self.streamer.sandbox.count("streamer", "login_denied")
            await self.respond(request, LOGIN_DENIED, self.wire.denied_message)
            raise Closed
        self.owner = owner
        self.streamer.sandbox.count("streamer", "logins")
        await self.streamer.logged_in(self)
        await self.respond(request, SUCCESS, self.wire.login_message)

    async def subscription(self, request: dict, service: str, command: str) -> None:
        """SUBS, ADD, UNSUBS or VIEW on ``service``; then what is new is sent at once."""
        parameters = request.get("parameters") or {}
        keys = [k.strip() for k in str(parameters.get("keys", "")).split(",") if k.strip()]
        ids = tuple(int(f) for f in str(parameters.get("fields", "")).split(",")
                    if f.strip().isdigit())
        current = self.subs.get(service)
        if command in ("SUBS", "ADD") and not keys:
            await self.respond(request, BAD_COMMAND, "Bad command formatting: keys are required")
            return
        if command == "ADD" and service == "ACCT_ACTIVITY" and self.wire.schwab:
            await self.respond(request, FAILED_ADD, "ADD command failed: use SUBS")
            return
        if command == "VIEW" and service == "ACCT_ACTIVITY":
            await self.respond(request, FAILED_VIEW, "VIEW command failed: account activity "
                               "always sends fields 0-3")
            return
        if command == "SUBS":
            self.subs[service] = current = {"keys": dict.fromkeys(keys), "fields": ids}
        elif command == "ADD":
            current = self.subs.setdefault(service, {"keys": {}, "fields": ids})
            current["keys"].update(dict.fromkeys(keys))
        elif command == "UNSUBS" and current is not None:
            for key in keys or list(current["keys"]):
                current["keys"].pop(key, None)
            self.feeds.forget(service, keys or None)
        elif command == "VIEW" and current is not None:
            current["fields"] = ids
            for state in [k for k in self._last if k[0] == service]:
                del self._last[state]  # the new fields are all sent next
            self.feeds.forget(service, trades=False)
        elif command not in ("UNSUBS", "VIEW"):
            await self.respond(request, BAD_COMMAND, f"Bad command formatting: {command}")
            return
        if current is not None and len(current["keys"]) > MAX_KEYS:
            await self.respond(request, SYMBOL_LIMIT, f"Reached the limit of {MAX_KEYS} keys")
            return
        if service == "ACCT_ACTIVITY" and command == "SUBS":
            # Before the answer: every change after the client hears "succeeded" is sent.
            self._orders = activity.statuses(self.streamer.sandbox)
        await self.respond(request, SUCCESS, f"{command} command succeeded")
        if service == "ACCT_ACTIVITY" and command == "SUBS" and not self.wire.schwab:
            await self.send({"data": [{"service": service, "timestamp": self.now_ms(),
                                       "command": "SUBS", "content": [
                                           {"key": keys[0], "1": ACCOUNT_IDS[0],
                                            "2": "SUBSCRIBED", "3": ""}]}]})
        if command in ("SUBS", "ADD", "VIEW"):
            await self.tick(only=service)

    async def get(self, request: dict, service: str, command: str) -> None:
        """GET (TD's CHART_HISTORY_FUTURES only): one ``snapshot`` frame, or code 21."""
        parameters = request.get("parameters") or {}
        symbol = str(parameters.get("symbol", ""))
        try:
            if service != "CHART_HISTORY_FUTURES" or command != "GET":
                raise ValueError(f"{service} takes no GET" if command == "GET" else
                                 f"{service} answers GET only")
            item = chart_history.candles_item(
                self.streamer.sandbox.seed, symbol, parameters, str(request.get("requestid")),
                self.streamer.sandbox.clock(), self.streamer.sandbox.universe.knows(symbol))
        except ValueError as exc:
            await self.respond(request, BAD_COMMAND, f"Bad command formatting: {exc}")
            return
        await self.send({"snapshot": [{"service": service, "timestamp": self.now_ms(),
                                       "command": "GET", "content": [item]}]}, faults=False)

    # -- streaming -----------------------------------------------------------------------
    def _values(self, service: str, symbol: str, now: float) -> Optional[dict[str, Any]]:
        seed = self.streamer.sandbox.seed
        if service in LEVEL_ONE:
            return ticks.level_one(seed, symbol, now, lots=self.wire.schwab)
        if service in CHARTS:
            return ticks.chart_bar(seed, symbol, now)
        return None

    def _changes(self, service: str, key: str, values: dict, ids: tuple) -> Optional[dict]:
        item = self.wire.item(service, key, values, ids)
        last = self._last.get((service, key))
        if service in CHARTS:  # a new bar: another minute, whatever fields are streamed
            self._last[(service, key)] = {"chart_time": values["chart_time"]}
            return item if last is None or last["chart_time"] != values["chart_time"] else None
        self._last[(service, key)] = item
        if last is None:
            return item
        changed = {k: v for k, v in item.items() if k == "key" or last.get(k) != v}
        return changed if len(changed) > 1 else None

    async def tick(self, only: Optional[str] = None) -> None:
        """Send what changed for every subscription (or only ``only``'s)."""
        sandbox = self.streamer.sandbox
        now = sandbox.clock()
        entries = []
        for service, sub in list(self.subs.items()):
            if only is not None and service != only:
                continue
            content = []
            for key in list(sub["keys"]):
                if service in feeds.SERVICES:
                    content.extend(self.feeds.items(service, key, sub["fields"], now))
                    continue
                symbol = self.wire.model_symbol(key)
                if not symbol or not sandbox.universe.knows(symbol):
                    continue
                values = self._values(service, symbol, now)
                if values is None:
                    continue
                item = self._changes(service, key, values, sub["fields"])
                if item is not None:
                    if service in CHARTS:
                        item["seq"] = values["sequence"]
                    elif service in LEVEL_ONE:
                        item["delayed"] = False
                    content.append(item)
            if service == "ACCT_ACTIVITY" and sub["keys"]:
                content = self._activity(next(iter(sub["keys"])))
            if content:
                entries.append({"service": service, "timestamp": int(now * 1000),
                                "command": "SUBS", "content": content})
        if entries:
            sandbox.count("streamer", "data_frames")
            await self.send({"data": entries})

    def _activity(self, key: str) -> list[dict]:
        items = []
        for account, kind, body in activity.changes(self.streamer.sandbox, self._orders,
                                                    schwab=self.wire.schwab):
            self._activity_seq += 1
            items.append({"seq": self._activity_seq, "key": key, "1": account, "2": kind,
                          "3": body})
        return items

    async def heartbeat(self) -> None:
        """A ``notify`` heartbeat (epoch ms as text, as the streamers send it)."""
        await self.send({"notify": [{"heartbeat": str(self.now_ms())}]})

    async def kicked(self) -> None:
        """Another connection logged in as the same user: code 12, then close."""
        await self.notify("Invalid Service" if not self.wire.schwab else "ADMIN",
                          CLOSE_CONNECTION, "This Streamer was disconnected because of another "
                          "connection for this user. Each user may only have one Streamer "
                          "open at a time.")
        await self.ws.close()
