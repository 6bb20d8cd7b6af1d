"""The fan-out benchmark's own machinery: the header-only frame scanner and the figures (pure), and a tiny
end-to-end run against a real gateway process that checks the report's keys and that no gift is lost."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from _fanout.stats import barrage_text, expected_barrage_per_s, gifts_lost, loss_beyond_sampling, parse_barrage  # noqa: E402
from _fanout.wsframes import OP_CLOSE, OP_PING, OP_TEXT, FrameScanner, check_handshake, client_frame, handshake_request  # noqa: E402


def server_frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def unmask(frame: bytes) -> tuple[int, bytes]:
    opcode = frame[0] & 0x0F
    n = frame[1] & 0x7F
    pos = 2
    if n == 126:
        n, pos = struct.unpack("!H", frame[2:4])[0], 4
    elif n == 127:
        n, pos = struct.unpack("!Q", frame[2:10])[0], 10
    mask, body = frame[pos:pos + 4], frame[pos + 4:pos + 4 + n]
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(body))


STREAM_FRAMES = [
    (OP_TEXT, b'{"type":"joined"}'),
    (OP_TEXT, b"a" * 125),
    (OP_PING, b"hb"),
    (OP_TEXT, b"b" * 126),
    (OP_TEXT, b"c" * 70000),
    (OP_TEXT, b""),
    (OP_CLOSE, struct.pack("!H", 4001) + b"slow"),
]
STREAM = b"".join(server_frame(p, op) for op, p in STREAM_FRAMES)


def test_scanner_counts_every_frame_whatever_the_chunking() -> None:
    for size in (1, 2, 3, 7, 127, 4096, len(STREAM)):
        scanner = FrameScanner(capture=False)
        captured: list[tuple[int, bytes]] = []
        for i in range(0, len(STREAM), size):
            got = scanner.feed(memoryview(STREAM)[i:i + size])
            captured += got or []
        assert scanner.frames == 5, size
        assert scanner.payload_bytes == 17 + 125 + 126 + 70000, size
        assert scanner.bytes == len(STREAM), size
        assert captured == [(OP_PING, b"hb"), (OP_CLOSE, struct.pack("!H", 4001) + b"slow")], size


def test_scanner_hands_over_data_frames_while_capturing() -> None:
    for size in (1, 5, 1000, len(STREAM)):
        scanner = FrameScanner(capture=True)
        captured: list[tuple[int, bytes]] = []
        for i in range(0, len(STREAM), size):
            captured += scanner.feed(STREAM[i:i + size]) or []
        assert captured == STREAM_FRAMES, size
        assert scanner.frames == 5


def test_scanner_refuses_masked_or_fragmented_server_frames() -> None:
    with pytest.raises(ValueError):
        FrameScanner().feed(client_frame(b"x"))
    with pytest.raises(ValueError):
        FrameScanner().feed(bytes([OP_TEXT, 1]) + b"x")  # FIN bit clear


def test_client_frames_are_masked_and_round_trip() -> None:
    for payload in (b"", b"x", b"p" * 200, b"q" * 70000):
        frame = client_frame(payload)
        assert frame[1] & 0x80
        assert unmask(frame) == (OP_TEXT, payload)


def test_handshake_accept_is_checked() -> None:
    request, key = handshake_request("127.0.0.1", 8765, "/ws?token=t")
    assert request.startswith(b"GET /ws?token=t HTTP/1.1\r\n") and b"permessage-deflate" not in request
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + accept
    assert check_handshake(ok, key) is None
    assert check_handshake(ok.replace(accept, b"bogus"), key) == "bad Sec-WebSocket-Accept"
    assert check_handshake(b"HTTP/1.1 401 Unauthorized\r\n", key) == "HTTP/1.1 401 Unauthorized"


def test_barrage_texts_carry_the_send_time() -> None:
    assert parse_barrage(barrage_text(17, 1700000000123, "主播好")) == 1700000000123
    assert parse_barrage("fo 1") is None
    assert parse_barrage("hello fo 1 2") is None


def test_loss_figures() -> None:
    assert expected_barrage_per_s(1000, 40) == 40
    assert expected_barrage_per_s(25, 40) == 25
    assert loss_beyond_sampling(38, 40) == pytest.approx(0.05)
    assert loss_beyond_sampling(41, 40) == 0.0
    assert gifts_lost(3, ["1-0", "2-0", "3-0"], [["1-0", "2-0", "3-0"], ["1-0", "3-0"]]) == 1
    assert gifts_lost(3, None, [["a", "b", "c"], ["a"]]) == 2


REQUIRED_KEYS = {"viewers", "offered_msgs_per_s", "delivered_msgs_per_s", "frames_per_s", "p50_ms", "p99_ms",
                 "max_ms", "gifts_lost", "barrage_lost_beyond_sampling", "cpu_s_per_frame",
                 "baseline_cpu_s_per_frame", "rss_bytes_per_conn"}


def test_tiny_run_against_a_real_gateway(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """50 viewers on one gateway process, barrage below the budget: every barrage and every gift arrives."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECORE_")}
    env.update(settings.env())
    out = tmp_path / "fanout.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "fanout.py"), "--viewers", "50", "--rate", "20", "--seconds", "2",
         "--gateways", "1", "--warmup", "1", "--drain", "3", "--gift-rate", "4", "--json", str(out),
         "--logdir", str(tmp_path / "logs")],
        env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report.keys() >= REQUIRED_KEYS
    assert report["viewers"] == 50
    assert report["gateway"]["connect_errors"] == {}
    assert report["gateway"]["closed_during_run"] == {}
    assert report["gifts_ok"] >= 8 and report["gifts_refused"] == {}
    assert report["gift_latency_from"] == "sender"  # answers carried offsets: the gift check is exact
    assert report["gifts_lost"] == 0
    assert report["gift_duplicates_at_probes"] == 0
    assert report["offered_barrage_per_s"] > 15
    assert report["barrage_lost_beyond_sampling_worst_probe"] == 0.0  # below the budget nothing is sampled
    assert report["p99_ms"] is not None and report["p99_ms"] > 0
    assert report["frames_per_s"] > 0 and report["cpu_s_per_frame"] is not None
    assert report["gateway_exit_codes"] == [0]  # SIGTERM: a graceful stop
    assert report["baseline_cpu_s_per_frame"] is None  # no --baseline asked
