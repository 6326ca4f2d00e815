"""What goes wrong on a streamer connection: drops, refused logins, stalls, malformed frames.

Drawn from a seeded :class:`random.Random`, one draw per frame the streamer sends
(and one per LOGIN for ``refuse_login``), so a run always meets the same faults::

    streamer.set_faults(drop=0.05, malformed=0.02, seed=7)
    streamer.set_faults(stall=0.01, stall_seconds=40)    # silence, heartbeats included
    streamer.set_faults(refuse_login=0.5)
    streamer.drop_connections()                          # now, every open connection
    streamer.stall_connections(30)                       # now, for 30 s
    streamer.refuse_logins(1)                            # the next LOGIN
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

#: Frame fault kinds, in the order their probabilities are stacked on one draw.
FRAME_KINDS = ("drop", "stall", "malformed")
#: What a ``malformed`` fault sends instead of the frame (TD sent invalid JSON at times).
MALFORMED_FRAME = '{"data":[{"service":"QUOTE","content":[{"key":"AAPL","1":\\\\'


@dataclass
class StreamFaults:
    """Probabilities per frame (``drop``, ``stall``, ``malformed``) and per LOGIN."""

    drop: float = 0.0
    stall: float = 0.0
    malformed: float = 0.0
    refuse_login: float = 0.0
    stall_seconds: float = 60.0
    seed: int = 0
    #: LOGINs still to refuse whatever their token (see ``Streamer.refuse_logins``).
    refuse_next: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in (*FRAME_KINDS, "refuse_login"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability between 0 and 1, got {value}")
        total = self.drop + self.stall + self.malformed
        if total > 1.0 + 1e-9:
            raise ValueError(f"Frame fault probabilities add up to {total:g}, more than 1")
        if self.stall_seconds < 0:
            raise ValueError(f"stall_seconds must be >= 0, got {self.stall_seconds}")
        self.rng = random.Random(self.seed)  # noqa: S311 - reproducible faults, not secrets

    def frame(self) -> Optional[str]:
        """The fault for the next frame sent, if any."""
        if not (self.drop or self.stall or self.malformed):
            return None
        r, upto = self.rng.random(), 0.0
        for kind in FRAME_KINDS:
            upto += getattr(self, kind)
            if r < upto:
                return kind
        return None

    def login_refused(self) -> bool:
        """Whether to refuse the next LOGIN (code 3) whatever its token."""
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return True
        return bool(self.refuse_login) and self.rng.random() < self.refuse_login
