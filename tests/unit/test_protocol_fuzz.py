"""The gateway's decoding of a client frame (the nesting check, then the typed decoder) answers any frame with
a message or a refusal of its own, nothing else (hypothesis)."""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings

from fuzzframes import frames
from livecore.protocol.codec import CLIENT_TYPES, client_decoder
from livecore.protocol.limits import too_deep


@given(frame=frames)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_decoder_only_refuses_with_its_own_errors(frame: str) -> None:
    data = frame.encode()
    if too_deep(data):  # refused as bad_frame before decoding
        return
    try:
        msg = client_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return
    assert type(msg).__struct_config__.tag in CLIENT_TYPES
