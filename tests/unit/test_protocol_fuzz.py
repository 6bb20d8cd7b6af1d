"""The client decoder answers any frame with a message or a msgspec error, nothing else (hypothesis)."""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings

from fuzzframes import frames
from livecore.protocol import client as c
from livecore.protocol.codec import client_decoder


@given(frame=frames)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_decoder_only_refuses_with_its_own_errors(frame: str) -> None:
    try:
        msg = client_decoder.decode(frame.encode("utf-8", "surrogatepass"))
    except (msgspec.ValidationError, msgspec.DecodeError):
        return
    assert type(msg).__struct_config__.tag in c.CLIENT_TYPES
