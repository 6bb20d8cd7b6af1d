from pathlib import Path

import pytest

from livecore.broker import offsets, wire
from livecore.config import Settings


def test_settings_from_env_types_and_errors() -> None:
    s = Settings.from_env({"LIVECORE_TICK_MS": "50", "LIVECORE_DEMO": "yes", "LIVECORE_DATA_DIR": "/x",
                           "LIVECORE_CHAT_RATE": "0.5"})
    assert (s.tick_ms, s.demo, s.data_dir, s.chat_rate) == (50, True, Path("/x"), 0.5)
    with pytest.raises(ValueError, match="LIVECORE_TICK_MS"):
        Settings.from_env({"LIVECORE_TICK_MS": "fast"})
    assert Settings.from_env(s.env()) == s


def test_bus_wire_round_trip() -> None:
    m = wire.decode(b'R17-3\n{"type":"gift","id":"g"}')
    assert isinstance(m, wire.BusEvent) and m.lane is wire.Lane.RELIABLE and m.offset == "17-3"
    assert m.payload == b'{"offset":"17-3","type":"gift","id":"g"}'
    m = wire.decode(wire.encode_lossy(wire.Lane.BARRAGE, b'{"type":"chat"}'))
    assert isinstance(m, wire.BusEvent) and m.lane is wire.Lane.BARRAGE and m.payload == b'{"type":"chat"}'
    s = wire.decode(wire.encode_state(b'{"online":1}'))
    assert isinstance(s, wire.BusState) and s.payload == b'{"online":1}'
    with pytest.raises(ValueError):
        wire.decode(b"X")


def test_offsets_compare_numerically() -> None:
    assert offsets.before("9-0", "10-0")
    assert offsets.before("10-2", "10-10")
    assert not offsets.is_valid("abc")
