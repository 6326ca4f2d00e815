"""Streaming benchmark: decoding a burst of level-one frames, and sandbox-to-consumer latency.

1. Decode: a recorded burst of level-one frames (every field, as the sandbox streamer
   sends them) through pyTD (:func:`pyTD.streaming.decode.decode_frame` and
   :func:`~pyTD.streaming.decode.messages`: named, converted fields, typed records) and
   through the peers' approach (``json.loads``, then each field relabelled through a
   field ``Enum``, as tda-api and schwab-py do), in the same run.
2. Latency: frames stamped with the send time are sent by the sandbox streamer over
   loopback to a blocking ``for msg in stream`` consumer; the median and p99 of
   send -> consumer are printed.

    $ python bench/bench_stream.py [--provider schwab] [--frames 20000] [--latency 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import enum
import json
import statistics
import time
from typing import Any

from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.streaming import streamer
from pyTD.sandbox.streaming.ticks import level_one
from pyTD.sandbox.streaming.wire import Wire
from pyTD.streaming.decode import decode_frame, messages
from pyTD.streaming.fields import FIELD_MAPS, SERVICES
from pyTD.streaming.records import Message

SYMBOLS = ("AAPL", "MSFT", "SPY", "QQQ", "IBM", "INTC", "AMD", "TSLA")


def burst(provider: str, frames: int) -> list[str]:
    """``frames`` data frames of 4 quotes each, all fields, at successive seconds."""
    wire, service = Wire(provider), SERVICES[provider]["quotes"]
    ids = FIELD_MAPS[provider][service].ids(None)
    out, now = [], 1_800_000_000.0
    for n in range(frames):
        content = []
        for symbol in SYMBOLS[n % 2 * 4:n % 2 * 4 + 4]:
            values = level_one(3, symbol, now + n, lots=provider == "schwab")
            assert values is not None
            content.append({**wire.item(service, symbol, values, ids), "delayed": False})
        out.append(json.dumps({"data": [{"service": service, "timestamp": int((now + n) * 1000),
                                         "command": "SUBS", "content": content}]}))
    return out


def peers_decoder(provider: str) -> Any:
    """json.loads, then every item relabelled through an Enum of the fields (tda-api style)."""
    service = SERVICES[provider]["quotes"]
    fields = enum.Enum("Fields", {name.upper(): i for i, name in
                                  enumerate(FIELD_MAPS[provider][service].names)})

    def decode(text: str) -> list[dict]:
        out = []
        for entry in json.loads(text).get("data", ()):
            for item in entry["content"]:
                labelled = {}
                for key, value in item.items():
                    try:
                        labelled[fields(int(key)).name] = value
                    except ValueError:
                        labelled[key] = value
                out.append(labelled)
        return out
    return decode


def pytd_decoder(provider: str) -> Any:
    def decode(text: str) -> list[Message]:
        out: list[Message] = []
        for entry in decode_frame(text).data:
            out.extend(messages(provider, entry))
        return out
    return decode


def rate(decode: Any, frames: list[str], rounds: int = 3) -> float:
    """Messages per second, best of ``rounds``."""
    best = 0.0
    for _ in range(rounds):
        started, count = time.perf_counter(), 0
        for text in frames:
            count += len(decode(text))
        best = max(best, count / (time.perf_counter() - started))
    return best


def latency(provider: str, frames: int) -> list[float]:
    """Milliseconds from the streamer's send to the consumer, for ``frames`` frames."""
    with Sandbox(provider=provider) as sandbox:
        server = streamer(sandbox, tick_interval=3600.0)  # no ticks: only the stamped frames
        client = sandbox_api(sandbox)
        service = SERVICES[provider]["quotes"]
        delays: list[float] = []
        with client.stream() as s:
            s.subscribe_quotes(["AAPL"], fields=["bid", "ask", "last"])
            (session,) = server.sessions

            async def send_one(n: int) -> None:
                item = {"key": "AAPL", "1": 100.0 + n % 7, "2": 100.1, "3": 100.05}
                await session.ws.send(json.dumps({"data": [{
                    "service": service, "timestamp": time.time() * 1000, "command": "SUBS",
                    "content": [item]}]}))
            for n in range(frames):
                asyncio.run_coroutine_threadsafe(send_one(n), server._loop).result()
                while True:
                    msg = s.next(10)
                    if isinstance(msg, Message) and msg.get("ask") == 100.1:
                        delays.append(time.time() * 1000 - msg.time.timestamp() * 1000)
                        break
        client.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--provider", default="schwab", choices=("tdameritrade", "schwab"))
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--latency", type=int, default=2000)
    args = parser.parse_args()
    frames = burst(args.provider, args.frames)
    assert len(pytd_decoder(args.provider)(frames[0])) == len(
        peers_decoder(args.provider)(frames[0]))
    ours = rate(pytd_decoder(args.provider), frames)
    theirs = rate(peers_decoder(args.provider), frames)
    print(f"decode ({args.provider}, {args.frames} frames, 4 quotes each, all fields):")
    print(f"  pyTD:              {ours:12,.0f} messages/s (named, converted, typed records)")
    print(f"  json + Enum relabel:{theirs:11,.0f} messages/s")
    print(f"  ratio:             {ours / theirs:12.2f}x")
    delays = sorted(latency(args.provider, args.latency))
    print(f"latency sandbox send -> consumer ({len(delays)} frames, loopback): "
          f"median {statistics.median(delays):.3f} ms, "
          f"p99 {delays[int(len(delays) * 0.99) - 1]:.3f} ms")


if __name__ == "__main__":
    main()
