"""A ``share`` interaction counts once as a share of the channel of the sharer's last code."""

from __future__ import annotations

from livecore.features.share.service import ShareService
from livecore.features.share.worker import share_tally
from livecore.interactions.model import Interaction, Kind, encoder
from livecore.runtime import Runtime

ROOM = "r1"


async def emit(srt: Runtime, n: int, user: str, kind: Kind = Kind.SHARE) -> None:
    await srt.redis.xadd(srt.keys.interactions(ROOM),
                         {"i": encoder.encode(Interaction(id=f"{user}-{kind}-{n}", kind=kind.value, room=ROOM,
                                                          user=user, ts=1))})
    await srt.redis.sadd(srt.keys.global_key("ix", "rooms"), ROOM)


async def test_share_taps_count_for_the_last_code_channel_once(srt: Runtime, share: ShareService) -> None:
    await share.make_code(ROOM, "ann", "wechat")
    await share.make_code(ROOM, "bob", "link")
    await share.make_code(ROOM, "bob", "poster")  # bob's last code: poster
    await emit(srt, 1, "ann")
    await emit(srt, 2, "ann")
    await emit(srt, 1, "bob")
    await emit(srt, 1, "cat")  # no code: no channel applies
    await emit(srt, 1, "ann", Kind.LIKE)
    assert await share_tally(srt, "w").drain() == 5
    # the same interactions delivered again (a reclaimed batch) change nothing
    await srt.redis.xgroup_setid(srt.keys.interactions(ROOM), "share", id="0")
    await share_tally(srt, "w2").drain()
    shares = {c["channel"]: c["shares"] for c in (await share.funnel(ROOM))["channels"]}
    assert shares == {"wechat": 2, "qq": 0, "link": 0, "poster": 1}
