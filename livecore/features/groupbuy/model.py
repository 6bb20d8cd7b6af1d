"""Group deals as data (pure): what a host sends, what is refused, and the views built from Redis hashes."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from ...protocol.limits import DurationS, EpochMs, PerUser, Price, Stock

GroupSize = Annotated[int, msgspec.Meta(ge=2, le=10)]
FillS = Annotated[int, msgspec.Meta(ge=60, le=86_400)]  # minutes to a day

SHOWN_GROUPS = 30  # open groups listed in the room state (soonest deadline first); the count covers the rest

DEAL_ID = re.compile(r"^gd[0-9a-f]{10}$")
GROUP_ID = re.compile(r"^(gd[0-9a-f]{10})-([0-9a-f]{8})$")


class DealIn(msgspec.Struct, forbid_unknown_fields=True):
    """A group deal as the host asks for it (the JSON body of ``POST /api/rooms/{room}/groupbuys``)."""

    product: str  # a product of the room's cart
    price: Price  # group price per unit, cents
    units: Stock  # units available across all groups
    size: GroupSize = 2  # members a group needs (k)
    fill_s: FillS = 3600  # time a group has to fill, capped by the deal's end
    per_user: PerUser = 1  # units one user may hold in this deal (open or complete groups)
    starts_at: EpochMs | None = None  # epoch ms, inclusive; default now
    ends_at: EpochMs | None = None  # epoch ms, exclusive; or duration_s from the start
    duration_s: DurationS = 0
    title: str = ""  # default: the product's title


def new_deal_id() -> str:
    return "gd" + secrets.token_hex(5)


def new_group_id(deal: str) -> str:
    return f"{deal}-{secrets.token_hex(4)}"


def deal_of(group: str) -> str | None:
    """The deal a group id belongs to, or None when the id is malformed."""
    m = GROUP_ID.match(group)
    return m.group(1) if m else None


def window(spec: DealIn, now_ms: int) -> tuple[int, int]:
    starts = now_ms if spec.starts_at is None else spec.starts_at
    ends = spec.ends_at if spec.ends_at is not None else starts + spec.duration_s * 1000
    return starts, ends


def problems(spec: DealIn, now_ms: int) -> list[str]:
    """Why the deal is refused (empty when acceptable)."""
    out: list[str] = []
    if not spec.product or len(spec.product) > 64:
        out.append("product must be 1-64 characters")
    if len(spec.title) > 120:
        out.append("title must be at most 120 characters")
    starts, ends = window(spec, now_ms)
    if ends <= starts:
        out.append("the deal needs ends_at after its start (or duration_s > 0)")
    if ends <= now_ms:
        out.append("the deal has already ended")
    if spec.per_user > spec.units:
        out.append("per_user cannot exceed units")
    return out


def text_map(raw: Mapping[Any, Any]) -> dict[str, str]:
    return {(k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else str(v))
            for k, v in raw.items()}


def members_of(h: Mapping[str, str]) -> list[dict[str, Any]]:
    """The members of a group hash in the order they joined: user, order id, place, and in a complete group their
    payment (``due``, ``paid`` or ``lapsed``)."""
    n = int(h.get("n", "0"))
    complete = h.get("status") == "complete"
    out = []
    for i in range(1, n + 1):
        if f"m{i}" in h:
            member: dict[str, Any] = {"user": h[f"m{i}"], "order": h[f"o{i}"], "seq": i}
            if complete:
                member["payment"] = h.get(f"ps{i}", "due")
            out.append(member)
    return out


def group_view(h: Mapping[str, str], names: Mapping[str, str], *, orders: bool = False) -> dict[str, Any]:
    """A group as the room and the API show it: members with their names, and 差N人 (``need``)."""
    size, n = int(h["size"]), int(h.get("n", "0"))
    members = []
    for m in members_of(h):
        item: dict[str, Any] = {"user": m["user"], "name": names.get(m["user"]) or m["user"]}
        if "payment" in m:
            item["payment"] = m["payment"]
        if orders:
            item["order"] = m["order"]
        members.append(item)
    out: dict[str, Any] = {
        "id": h["id"], "deal": h["deal"], "leader": h["leader"], "size": size, "n": n,
        "need": max(0, size - n) if h["status"] == "open" else 0, "deadline": int(h["deadline"]),
        "opened_at": int(h["opened_at"]), "status": h["status"], "price": int(h["price"]), "members": members,
    }
    if "settled_at" in h:
        out["settled_at"] = int(h["settled_at"])
    if "pay_by" in h:
        out["pay_by"] = int(h["pay_by"])  # members of a complete group pay by then, or their orders lapse
    return out


# confirmed counts the members of complete groups who have not lapsed (paid ones too); paid and lapsed split them
COUNTERS = ("units", "left", "reserved", "confirmed", "released", "opened", "completed", "dissolved", "paid",
            "lapsed")


def deal_view(h: Mapping[str, str]) -> dict[str, Any]:
    """A deal hash as the API and the room state show it (without its groups)."""
    out: dict[str, Any] = {
        "id": h["id"], "room": h["room"], "product": h["product"], "title": h.get("title", ""),
        "size": int(h["size"]), "price": int(h["price"]), "fill_s": int(h["fill_ms"]) // 1000,
        "per_user": int(h["per_user"]), "starts_at": int(h["starts_at"]), "ends_at": int(h["ends_at"]),
        "status": h["status"],
    }
    for name in COUNTERS:
        out[name] = int(h.get(name, "0"))
    return out

