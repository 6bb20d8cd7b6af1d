"""Polls as data (pure): what the host asks for, its checks, the option ids, the public view of a poll and the
result of a close (tallies, the correct voters of a quiz, the winners of its draw).

Times are epoch milliseconds; durations (``*_s``) are seconds. Option ids are ``a``..``f`` in the order given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from ...core import draw as drawing
from ...protocol.ids import valid_room_id
from ...protocol.limits import DurationS, WatchS, Winners

MODES = ("single", "multiple")
CONDITIONS = ("none", "follow", "watch")
REWARDS = ("none", "coupon", "lottery")
OPTION_IDS = ("a", "b", "c", "d", "e", "f")
MAX_DURATION_S = 86400


class PollIn(msgspec.Struct, forbid_unknown_fields=True):
    """A poll as the host asks for it (the JSON body of ``POST /api/rooms/{room}/polls``). ``correct`` (the
    index of the right option) makes it a quiz; a quiz may reward its correct voters with a coupon of the
    room's batch ``coupon_batch`` each (``reward`` = coupon) or a draw of ``winners`` among them (lottery)."""

    question: str
    options: list[str]
    duration_s: DurationS = 60
    mode: str = "single"
    changeable: bool = False  # a voter may change their vote once
    condition: str = "none"
    watch_s: WatchS = 0
    correct: int | None = None
    reward: str = "none"
    coupon_batch: str = ""
    winners: Winners = 1


def problems(room: str, spec: PollIn) -> list[str]:
    out: list[str] = []
    if not valid_room_id(room):
        out.append("invalid room id")
    if not spec.question.strip() or len(spec.question) > 200:
        out.append("question must be 1..200 characters")
    if not 2 <= len(spec.options) <= len(OPTION_IDS):
        out.append(f"a poll has 2..{len(OPTION_IDS)} options")
    if any(not o.strip() or len(o) > 80 for o in spec.options):
        out.append("each option must be 1..80 characters")
    if len({o.strip() for o in spec.options}) != len(spec.options):
        out.append("options must differ")
    if not 1 <= spec.duration_s <= MAX_DURATION_S:
        out.append(f"duration_s must be 1..{MAX_DURATION_S}")
    if spec.mode not in MODES:
        out.append(f"mode must be one of {', '.join(MODES)}")
    if spec.condition not in CONDITIONS:
        out.append(f"condition must be one of {', '.join(CONDITIONS)}")
    if spec.condition == "watch" and spec.watch_s <= 0:
        out.append("a watch condition needs watch_s > 0")
    if spec.correct is not None and not 0 <= spec.correct < len(spec.options):
        out.append("correct must be the index of one of the options")
    if spec.correct is not None and spec.mode != "single":
        out.append("a quiz (with a correct option) is single choice")
    if spec.reward not in REWARDS:
        out.append(f"reward must be one of {', '.join(REWARDS)}")
    elif spec.reward != "none" and spec.correct is None:
        out.append("only a quiz (with a correct option) rewards its correct voters")
    if spec.reward == "coupon" and not spec.coupon_batch:
        out.append("a coupon reward needs coupon_batch")
    return out


def options_of(texts: Iterable[str]) -> list[dict[str, str]]:
    return [{"id": oid, "text": t.strip()} for oid, t in zip(OPTION_IDS, texts, strict=False)]


def hash_fields(poll: str, room: str, spec: PollIn, now: int, seed_hash: str) -> dict[str, str | int]:
    """The poll's Redis hash as opened."""
    opts = options_of(spec.options)
    return {
        "id": poll, "room": room, "question": spec.question.strip(), "options": msgspec.json.encode(opts).decode(),
        "opts": ",".join(o["id"] for o in opts), "mode": spec.mode, "changeable": int(spec.changeable),
        "condition": spec.condition, "watch_ms": spec.watch_s * 1000 if spec.condition == "watch" else 0,
        "opened_at": now, "ends_at": now + spec.duration_s * 1000, "status": "open",
        "correct": "" if spec.correct is None else opts[spec.correct]["id"], "reward": spec.reward,
        "coupon": spec.coupon_batch if spec.reward == "coupon" else "",
        "winners_count": spec.winners if spec.reward == "lottery" else 0, "seed_hash": seed_hash,
    }


def view(h: Mapping[str, str], tally: Mapping[str, int]) -> dict[str, Any]:
    """The ``poll`` state / API view: options with their counts; the correct option and the result only once
    closed (a quiz's answer is never shown while it is open)."""
    options = [{**o, "votes": tally.get(o["id"], 0)} for o in msgspec.json.decode(h["options"])]
    out: dict[str, Any] = {
        "id": h["id"], "question": h["question"], "options": options, "voters": tally.get("_voters", 0),
        "mode": h["mode"], "changeable": h["changeable"] == "1", "condition": h["condition"],
        "watch_s": int(h.get("watch_ms", 0)) // 1000, "opened_at": int(h["opened_at"]), "ends_at": int(h["ends_at"]),
        "status": h["status"], "quiz": bool(h.get("correct")), "reward": h.get("reward", "none"),
    }
    if h.get("seed_hash"):
        out["seed_hash"] = h["seed_hash"]
    if h["status"] == "closed":
        out["closed_at"] = int(h.get("closed_at", 0))
        if h.get("correct"):
            out["correct"] = h["correct"]
        if h.get("result"):
            out["result"] = msgspec.json.decode(h["result"])
        if h.get("rewarded") == "1":
            out["granted"] = int(h.get("granted", 0))  # correct voters holding the quiz's coupon
    return out


def parse_vote(raw: str) -> tuple[int, list[str]]:
    """A stored vote ``"<rev>|a,b"`` -> (revision, options)."""
    rev, _, opts = raw.partition("|")
    return int(rev), [o for o in opts.split(",") if o]


def correct_voters(votes: Mapping[str, str], correct: str) -> list[str]:
    """The users whose final vote is the correct option (a quiz is single choice), sorted as a draw sorts."""
    return drawing.sorted_entries(u for u, raw in votes.items() if parse_vote(raw)[1] == [correct])


def result(votes: Mapping[str, str], tally: Mapping[str, int], h: Mapping[str, str],
           seed: str | None) -> dict[str, Any]:
    """What a close decides, deterministically from the frozen votes: the tallies, and for a quiz the number of
    correct voters and, for a lottery reward, the winners drawn from the seed (revealed here)."""
    out: dict[str, Any] = {"tallies": {o: tally.get(o, 0) for o in h["opts"].split(",")},
                           "voters": tally.get("_voters", 0)}
    correct = h.get("correct", "")
    if correct:
        right = correct_voters(votes, correct)
        out["correct"] = correct
        out["correct_voters"] = len(right)
        if h.get("reward") == "lottery" and seed is not None:
            out["winners"] = drawing.draw(seed, right, int(h.get("winners_count", 1)))
            out["seed"] = seed
            out["entries_digest"] = drawing.entries_digest(right)
    return out
