"""What the host asks for (``RedPacketIn``), its checks, and the views of a packet (pure)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from ...protocol.ids import valid_room_id
from ...protocol.limits import WatchS
from . import split as sp
from .phrase import phrase_problem

KINDS = ("rain", "password")
CONDITIONS = ("none", "follow", "watch")
RAIN_WINDOW_S = (10, 60)
PASSWORD_WINDOW_S = (10, 600)
MAX_START_IN_S = 300
TOP = 5  # grabbers named in the result

Cents = Annotated[int, msgspec.Meta(ge=1, le=sp.MAX_TOTAL)]
Packets = Annotated[int, msgspec.Meta(ge=1, le=sp.MAX_PACKETS)]
WindowS = Annotated[int, msgspec.Meta(ge=1, le=PASSWORD_WINDOW_S[1])]
StartInS = Annotated[int, msgspec.Meta(ge=0, le=MAX_START_IN_S)]


class RedPacketIn(msgspec.Struct, forbid_unknown_fields=True):
    """A red packet as the host asks for it (the JSON body of ``POST /api/rooms/{room}/redpackets``)."""

    total: Cents  # cents, split among the packets
    count: Packets
    kind: str = "rain"  # rain | password
    window_s: WindowS = 20  # the grab window: 10-60 s for a rain, 10-600 s for a password packet
    start_in_s: StartInS = 0  # the window opens this many seconds after the launch (a countdown)
    condition: str = "none"  # none | follow (followers of the host) | watch (watched at least watch_s)
    watch_s: WatchS = 0
    phrase: str = ""  # password packets: what to send in barrage


def problems(room: str, spec: RedPacketIn) -> list[str]:
    out = [] if valid_room_id(room) else ["invalid room id"]
    out += sp.problems_of_spec(spec.total, spec.count)
    if spec.kind not in KINDS:
        out.append(f"kind must be one of {', '.join(KINDS)}")
    lo, hi = RAIN_WINDOW_S if spec.kind == "rain" else PASSWORD_WINDOW_S
    if not lo <= spec.window_s <= hi:
        out.append(f"the window of a {spec.kind} must be {lo}-{hi} seconds")
    if spec.condition not in CONDITIONS:
        out.append(f"condition must be one of {', '.join(CONDITIONS)}")
    if spec.condition == "watch" and spec.watch_s <= 0:
        out.append("a watch condition needs watch_s > 0")
    if spec.kind == "password":
        problem = phrase_problem(spec.phrase)
        if problem:
            out.append(problem)
    elif spec.phrase:
        out.append("only a password packet has a phrase")
    return out


def view(h: dict[str, str], said: int = 0) -> dict[str, Any]:
    """A packet hash as the room and the console see it: the seed and the result only once ended."""
    out: dict[str, Any] = {
        "id": h["id"], "room": h["room"], "kind": h["kind"], "total": int(h["total"]), "count": int(h["count"]),
        "grabbed": int(h.get("next", 0)), "given": int(h.get("given", 0)), "starts_at": int(h["starts_at"]),
        "ends_at": int(h["ends_at"]), "condition": h["condition"], "watch_s": int(h.get("watch_s", 0)),
        "seed_hash": h["seed_hash"], "status": h["status"],
    }
    if h["kind"] == "password":
        out["phrase"] = h.get("phrase_shown", "")
        out["said"] = said
    if h["status"] == "ended":
        out["leftover"] = out["total"] - out["given"]
        if "seed" in h:
            out["seed"] = h["seed"]
        if "top" in h:
            out["top"] = msgspec.json.decode(h["top"])
    return out


def top_grabs(records: dict[str, str], n: int = TOP) -> list[dict[str, Any]]:
    """The ``n`` biggest grabs (``user -> "index:amount"``), biggest first, earlier packet first on a tie."""
    grabs = []
    for user, record in records.items():
        index, _, amount = record.partition(":")
        grabs.append((-int(amount), int(index), user))
    return [{"user": u, "amount": -a, "index": i} for a, i, u in sorted(grabs)[:n]]
