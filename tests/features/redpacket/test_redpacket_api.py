"""The red packet routes and ``livecore verify-redpacket``: launch and end over HTTP, the public record keeps the
seed until the end, and both verifiers recompute every amount and fail on a tampered seed or amount."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from livecore.auth import issue
from livecore.features.redpacket.service import RedPacketService
from livecore.features.redpacket.worker import ledger_writer

ROOT = Path(__file__).resolve().parents[3]


def verify_cli(settings, packet: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "livecore", "verify-redpacket", packet], cwd=ROOT,
                          env={**os.environ, **settings.env()}, capture_output=True, text=True, timeout=60)


async def test_launch_end_and_verify_over_http_and_the_cli(api, settings, runtime, db) -> None:  # type: ignore[no-untyped-def]
    host = {"authorization": "Bearer " + issue(settings.secret, "h1", role="host", room="r1")}
    viewer = {"authorization": "Bearer " + issue(settings.secret, "v1", role="viewer")}
    refused = await api.post("/api/rooms/r1/redpackets", json={"total": 100, "count": 5}, headers=viewer)
    assert refused.status_code in (401, 403)
    bad = await api.post("/api/rooms/r1/redpackets", json={"total": 100, "count": 5, "window_s": 5}, headers=host)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    made = await api.post("/api/rooms/r1/redpackets", json={"total": 1000, "count": 5, "window_s": 20},
                          headers=host)
    assert made.status_code == 201, made.text
    rp = made.json()
    assert len(rp["seed_hash"]) == 64 and "seed" not in rp
    svc = RedPacketService(runtime)
    grabbed = await svc.grab("r1", "v1", rp["id"], "k", 0)
    await svc.close()
    assert isinstance(grabbed, dict)
    early = (await api.get(f"/api/redpackets/{rp['id']}/verify")).json()
    assert early["ok"] is False and "seed" not in early
    assert "seed" not in (await api.get(f"/api/redpackets/{rp['id']}")).json()
    assert verify_cli(settings, rp["id"]).returncode == 2
    ended = await api.post(f"/api/rooms/r1/redpackets/{rp['id']}/end", headers=host)
    assert ended.status_code == 200 and ended.json()["leftover"] == 1000 - grabbed["amount"]
    assert await ledger_writer(runtime, "w").drain() == 1
    record = (await api.get(f"/api/redpackets/{rp['id']}")).json()
    assert len(record["seed"]) == 64 and sum(record["amounts"]) == 1000
    assert record["credits"] == [{"index": 0, "user": "v1", "amount": grabbed["amount"]}]
    report = (await api.get(f"/api/redpackets/{rp['id']}/verify")).json()
    assert report["ok"], report["problems"]
    done = verify_cli(settings, rp["id"])
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr
    await db.execute("UPDATE red_packets SET amounts[2] = amounts[2] + 1, amounts[3] = amounts[3] - 1 "
                     "WHERE id = $1", rp["id"])
    assert (await api.get(f"/api/redpackets/{rp['id']}/verify")).json()["ok"] is False
    tampered = verify_cli(settings, rp["id"])
    assert tampered.returncode == 1 and "MISMATCH" in tampered.stdout
    assert (await api.get("/api/redpackets/rpnothing/verify")).status_code == 404
    listed = (await api.get("/api/rooms/r1/redpackets")).json()
    assert [p["id"] for p in listed] == [rp["id"]] and listed[0]["status"] == "ended"
