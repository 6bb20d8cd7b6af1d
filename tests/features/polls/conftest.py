"""Poll fixtures: a runtime on a manual clock (windows and conditions are probed to the millisecond), the poll
service on it, a room's followers set, and the polls outbox persister."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from livecore.clock import ManualClock
from livecore.config import Settings
from livecore.features.polls.service import PollService
from livecore.runtime import Runtime, open_runtime

T0 = 1_800_000_000.0  # seconds; every poll test on the manual clock starts here
M0 = int(T0 * 1000)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
async def prt(settings: Settings, migrated: str, redis, clock: ManualClock) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    async with open_runtime(settings.with_(tick_ms=50), clock=clock, db_max_size=20) as rt:
        yield rt


@pytest.fixture
async def polls(prt: Runtime) -> AsyncIterator[PollService]:
    svc = PollService(prt)
    try:
        yield svc
    finally:
        await svc.close()
