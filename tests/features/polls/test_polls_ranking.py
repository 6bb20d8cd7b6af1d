"""A vote is an interaction: the gateway part appends it (``Kind.VOTE``) and the ranking worker counts it per
minute and per session (``votes``), in the funnel's first step and in the room's hot score; a refused vote and
a redelivered one count nothing."""

from __future__ import annotations

from conftest import T0
from livecore.features.base import Ask
from livecore.features.polls.messages import Vote
from livecore.features.polls.model import PollIn
from livecore.features.polls.part import PollsPart
from livecore.features.polls.service import PollService
from livecore.ranking.created import mark_created
from livecore.ranking.store import RankingStore
from livecore.workers.ranking import RankingWorker


def ask(user: str) -> Ask:
    return Ask(room="r1", user=user, name=user, role="viewer", watched_s=10.0, now=T0)


async def test_votes_feed_the_metrics_the_funnel_and_the_hot_rank(polls: PollService, prt) -> None:  # type: ignore[no-untyped-def]
    await mark_created(prt.redis, prt.keys, ["r1"])
    p = (await polls.open("r1", PollIn(question="q", options=["x", "y"], changeable=True), "host"))["id"]
    part = PollsPart(prt)
    try:
        for user in ("u1", "u2", "u3"):
            assert (await part.handle(ask(user), Vote(poll=p, options=["a"])))["ok"]  # type: ignore[index]
        assert (await part.handle(ask("u1"), Vote(poll=p, options=["b"])))["changed"]  # type: ignore[index]
        assert (await part.handle(ask("u1"), Vote(poll=p, options=["a"]))).code.value == "already"  # type: ignore[union-attr]
        assert (await part.handle(ask("u2"), Vote(poll=p, options=["a"])))["ok"]  # type: ignore[index]  # repeated
    finally:
        await part.close()  # flushes the interaction log
    stream = prt.keys.interactions("r1")
    assert await prt.redis.xlen(stream) == 4  # three votes and one change; nothing for refused or repeated
    entries = await prt.redis.xrange(stream)
    await prt.redis.xadd(stream, entries[0][1])  # the same interaction appended twice (a retried flush)
    worker = RankingWorker(prt, "w", push=False)
    await worker.discover()
    while await worker.step(block_ms=0):
        pass
    assert worker.duplicates == 1
    store = RankingStore(prt.redis, prt.keys, prt.settings.hot_half_life_s)
    metrics = await store.metrics("r1", int(T0 * 1000))
    assert metrics["votes"] == 4
    assert metrics["funnel"][0]["users"] == 3  # the voters are in the funnel's first step
    _, scores = await store.hot_scores()
    assert scores.get("r1", 0) > 0
