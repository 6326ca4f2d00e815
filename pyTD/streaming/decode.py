"""Frames from the streamer -> responses, notices and :class:`Message` records.

``decode_frame`` splits one JSON frame into its parts; ``messages`` turns a
``data`` (or ``snapshot``) entry into records with named, converted fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from pyTD.streaming.fields import FIELD_MAPS, FieldMap, service_name
from pyTD.streaming.records import Message, epoch_ms

_NOT_FIELDS = ("key", "seq", "delayed")


class MalformedFrame(ValueError):
    """A frame that is not the JSON object the protocol describes."""


@dataclass
class Frame:
    """One decoded frame: ``responses`` to commands, ``notices`` (notify entries other than
    heartbeats), ``data`` entries, and whether it held a heartbeat."""

    responses: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    data: list[dict] = field(default_factory=list)
    heartbeat: bool = False


def decode_frame(text: Any) -> Frame:
    """Parse a text frame; ``MalformedFrame`` when it is not a JSON object of lists."""
    try:
        body = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise MalformedFrame(f"not JSON: {str(text)[:60]!r}") from exc
    if not isinstance(body, dict):
        raise MalformedFrame("not a JSON object")
    frame = Frame()
    try:
        frame.responses.extend(body.get("response", ()))
        for entry in body.get("notify", ()):
            if "heartbeat" in entry:
                frame.heartbeat = True
            else:
                frame.notices.append(entry)
        frame.data.extend(body.get("data", ()))
        frame.data.extend(body.get("snapshot", ()))
    except TypeError as exc:
        raise MalformedFrame("a part of the frame is not a list of objects") from exc
    return frame


def messages(provider: str, entry: dict) -> Iterator[Message]:
    """The records of one ``data`` entry (items of unknown services keep their raw fields)."""
    service = entry.get("service", "")
    fields: FieldMap | None = FIELD_MAPS[provider].get(service)
    name = service_name(provider, service)
    time = epoch_ms(entry.get("timestamp"))
    for item in entry.get("content", ()):
        decoded = fields.decode(item) if fields is not None else {
            k: v for k, v in item.items() if k not in _NOT_FIELDS}
        seq = item.get("seq")
        yield Message(name, service, str(item.get("key", "")), decoded, time, item,
                      seq if isinstance(seq, int) else None, item.get("delayed"))
