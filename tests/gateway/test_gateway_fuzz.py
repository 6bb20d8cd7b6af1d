"""Fuzzing a real ``livecore gateway`` process over a real socket (hypothesis, bounded): random and mutated
client frames are answered only with documented error codes, never ``internal``, and the connection then
serves the next valid frame (a ``ping`` answered with its ``pong``)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from gwhelpers import token, url
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from fuzzframes import DOCUMENTED, frames
from livecore.config import Settings


def test_fuzzed_frames_get_documented_answers_and_the_next_frame_is_served(
        settings: Settings, spawn_gateway: Callable[..., Any]) -> None:
    # refusals are what this test sends on purpose: no flood or malformed-frame close in the way
    gw = spawn_gateway(malformed_limit=1_000_000, flood_refusals=1_000_000, chat_rate=1000.0, chat_burst=1000)
    tok = token(settings, "fuzzer")
    pings = itertools.count(1)

    @given(batch=st.lists(frames, min_size=1, max_size=4))
    @settings_(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    def one_connection(batch: list[str]) -> None:
        with connect(url(gw.port) + "?token=" + tok, open_timeout=10, max_size=2**22) as ws:
            ws.send(json.dumps({"type": "join", "room": "fz"}))
            for frame in batch:
                ws.send(frame)
            t = float(next(pings))
            ws.send(json.dumps({"type": "ping", "t": t}))
            codes = []
            while True:
                msg = json.loads(ws.recv(timeout=10))
                if msg.get("type") == "error":
                    codes.append(msg.get("code"))
                if msg.get("type") == "pong" and msg.get("t") == t:
                    break
            assert set(codes) <= DOCUMENTED, (batch, codes)

    one_connection()
    assert gw.proc.poll() is None  # the gateway is still up


settings_ = settings
