// The client's rules with an in-memory socket: key reuse, request ids and timeouts, close-code handling,
// heartbeats and the browser's offline/online events.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { JoinError, LiveClient } from "../../dist/index.js";
import { FakeSocket, tick, until } from "./fake-socket.mjs";

const fast = { baseMs: 5, capMs: 20 };
const make = (extra = {}) => new LiveClient({ url: "ws://gw/ws", token: "t0", WebSocket: FakeSocket, backoff: fast,
  online: null, ...extra });

async function joined(client, room = "r1") {
  await client.connect();
  const p = client.join(room);
  await until(() => FakeSocket.last().sent.some((m) => m.type === "join"));
  const join = FakeSocket.last().sent.find((m) => m.type === "join");
  FakeSocket.last().deliver({ type: "joined", room, user: "u", role: "viewer", state: {}, offset: "1-0", rid: join.rid });
  await p;
}

beforeEach(() => FakeSocket.reset());

test("the token goes in the query", async () => {
  const c = make();
  await c.connect();
  assert.equal(new URL(FakeSocket.last().url).searchParams.get("token"), "t0");
  c.close();
});

test("a buy retried after a dropped connection sends the same key, and a new buy a new key", async () => {
  const c = make();
  await joined(c);
  const p = c.buy("s1", 2);
  await until(() => FakeSocket.last().sent.some((m) => m.type === "buy"));
  const first = FakeSocket.last().sent.find((m) => m.type === "buy");
  FakeSocket.last().serverClose(1006);
  await until(() => FakeSocket.all.length === 2 && FakeSocket.last().sent.some((m) => m.type === "join"));
  const rejoin = FakeSocket.last().sent.find((m) => m.type === "join");
  assert.equal(rejoin.last_offset, "1-0");
  FakeSocket.last().deliver({ type: "joined", room: "r1", user: "u", role: "viewer", state: {}, offset: "1-0", rid: rejoin.rid });
  await until(() => FakeSocket.last().sent.some((m) => m.type === "buy"));
  const second = FakeSocket.last().sent.find((m) => m.type === "buy");
  assert.equal(second.key, first.key);
  assert.notEqual(second.rid, first.rid);
  assert.equal(second.qty, 2);
  FakeSocket.last().deliver({ type: "result", rid: second.rid, data: { order: "o1", replayed: true } });
  const answer = await p;
  assert.equal(answer.type, "result");
  assert.equal(answer.data.order, "o1");
  const q = c.buy("s1");
  await until(() => FakeSocket.last().sent.filter((m) => m.type === "buy").length === 2);
  const third = FakeSocket.last().sent.filter((m) => m.type === "buy")[1];
  assert.notEqual(third.key, first.key);
  FakeSocket.last().deliver({ type: "error", code: "sold_out", rid: third.rid });
  assert.equal((await q).code, "sold_out");
  c.close();
});

test("a group join retried after a dropped connection sends the same key", async () => {
  const c = make();
  await joined(c);
  const p = c.groupJoin("gd0a1b2c3d4e-5f6a7b8c");
  await until(() => FakeSocket.last().sent.some((m) => m.type === "group_join"));
  const first = FakeSocket.last().sent.find((m) => m.type === "group_join");
  FakeSocket.last().serverClose(1006);
  await until(() => FakeSocket.all.length === 2 && FakeSocket.last().sent.some((m) => m.type === "join"));
  const rejoin = FakeSocket.last().sent.find((m) => m.type === "join");
  FakeSocket.last().deliver({ type: "joined", room: "r1", user: "u", role: "viewer", state: {}, offset: "1-0", rid: rejoin.rid });
  await until(() => FakeSocket.last().sent.some((m) => m.type === "group_join"));
  const second = FakeSocket.last().sent.find((m) => m.type === "group_join");
  assert.equal(second.key, first.key);
  assert.equal(second.group, "gd0a1b2c3d4e-5f6a7b8c");
  FakeSocket.last().deliver({ type: "result", rid: second.rid, data: { status: "complete" } });
  assert.equal((await p).data.status, "complete");
  const q = c.groupOpen("gd0a1b2c3d4e");
  await until(() => FakeSocket.last().sent.some((m) => m.type === "group_open"));
  const open = FakeSocket.last().sent.find((m) => m.type === "group_open");
  assert.notEqual(open.key, first.key);
  FakeSocket.last().deliver({ type: "error", code: "sold_out", rid: open.rid });
  assert.equal((await q).code, "sold_out");
  c.close();
});

test("a business refusal is not retried; unavailable is, up to the attempts", async () => {
  const c = make({ attempts: 3 });
  await joined(c);
  const p = c.claim("b1");
  for (let i = 1; i <= 3; i++) {
    await until(() => FakeSocket.last().sent.filter((m) => m.type === "claim").length === i);
    const m = FakeSocket.last().sent.filter((m) => m.type === "claim")[i - 1];
    FakeSocket.last().deliver({ type: "error", code: "unavailable", rid: m.rid });
  }
  const answer = await p;
  assert.equal(answer.code, "unavailable");
  const keys = new Set(FakeSocket.last().sent.filter((m) => m.type === "claim").map((m) => m.key));
  assert.equal(keys.size, 1);
  c.close();
});

test("a request without an answer times out as unavailable", async () => {
  const c = make({ requestTimeoutMs: 30 });
  await joined(c);
  const answer = await c.chat("hello");
  assert.equal(answer.type, "error");
  assert.equal(answer.code, "unavailable");
  c.close();
});

test("4503 and 4501 stop the client; 4001 reconnects and resumes", async () => {
  for (const code of [4503, 4501]) {
    FakeSocket.reset();
    const c = make();
    const refused = c.once("refused");
    await joined(c);
    FakeSocket.last().serverClose(code);
    assert.equal((await refused).code, code);
    await tick(60);
    assert.equal(FakeSocket.all.length, 1);
    assert.equal(c.status, "closed");
  }
  FakeSocket.reset();
  const c = make();
  await joined(c);
  FakeSocket.last().deliver({ type: "frame", room: "r1", events: [{ type: "gift", offset: "5-0" }], offset: "5-0" });
  FakeSocket.last().serverClose(4001, "slow consumer");
  await until(() => FakeSocket.all.length === 2 && FakeSocket.last().sent.some((m) => m.type === "join"));
  assert.equal(FakeSocket.last().sent.find((m) => m.type === "join").last_offset, "5-0");
  c.close();
});

test("4502 asks for a new token and reconnects with it", async () => {
  const c = make({ refreshToken: async () => "t1" });
  await joined(c);
  FakeSocket.last().serverClose(4502, "token expired");
  await until(() => FakeSocket.all.length === 2);
  assert.equal(new URL(FakeSocket.last().url).searchParams.get("token"), "t1");
  c.close();
  FakeSocket.reset();
  const d = make();
  const refused = d.once("refused");
  await joined(d);
  FakeSocket.last().serverClose(4502);
  assert.equal((await refused).code, 4502);
});

test("a ping without a pong drops the connection and reconnects", async () => {
  const c = make({ heartbeatMs: 10, pongTimeoutMs: 30 });
  await joined(c);
  await until(() => FakeSocket.all[0].sent.some((m) => m.type === "ping"));
  await until(() => FakeSocket.all.length === 2, 1000);
  assert.equal(c.closeCode, 1006);
  c.close();
});

test("pongs keep the connection", async () => {
  const c = make({ heartbeatMs: 10, pongTimeoutMs: 40 });
  await joined(c);
  const stop = setInterval(() => {
    const s = FakeSocket.last();
    for (const m of s.sent.splice(0)) if (m.type === "ping") s.deliver({ type: "pong", t: m.t });
  }, 3);
  await tick(150);
  clearInterval(stop);
  assert.equal(FakeSocket.all.length, 1);
  c.close();
});

test("offline drops the connection and online reconnects at once", async () => {
  const listeners = {};
  const online = { addEventListener: (n, f) => (listeners[n] = f), removeEventListener: (n) => delete listeners[n] };
  const c = make({ online, backoff: { baseMs: 60_000, capMs: 60_000 } });
  await joined(c);
  listeners.offline();
  assert.equal(c.status, "waiting");
  listeners.online();
  await until(() => FakeSocket.all.length === 2 && FakeSocket.last().readyState === 1);
  c.close();
});

test("a rejoin answered unavailable is tried again on the same connection", async () => {
  const c = make();
  await joined(c);
  FakeSocket.last().serverClose(1012);
  await until(() => FakeSocket.all.length === 2 && FakeSocket.last().sent.some((m) => m.type === "join"));
  const s = FakeSocket.last();
  s.deliver({ type: "error", code: "unavailable", rid: s.sent.find((m) => m.type === "join").rid });
  await until(() => s.sent.filter((m) => m.type === "join").length === 2);
  const again = s.sent.filter((m) => m.type === "join")[1];
  assert.equal(again.last_offset, "1-0");
  s.deliver({ type: "joined", room: "r1", user: "u", role: "viewer", state: {}, offset: "1-0", rid: again.rid });
  await until(() => c.status === "joined");
  c.close();
});

test("a handshake that never finishes is given up after connectTimeoutMs and tried again", async () => {
  FakeSocket.autoOpen = false;
  const c = make({ connectTimeoutMs: 30 });
  const connected = c.connect();
  await until(() => FakeSocket.all.length === 2, 1000);
  assert.equal(FakeSocket.all[0].readyState, 3); // the silent one was closed, not left to hang
  assert.equal(c.closeCode, 1006);
  assert.equal(c.closeReason, "connect timeout");
  FakeSocket.last().open();
  await connected;
  await tick(60); // an open socket is not timed out
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(c.status, "open");
  c.close();
});

test("a refused join rejects with the gateway's code; one cut off by a drop, with unavailable", async () => {
  const c = make();
  await c.connect();
  const p = c.join("host:r1");
  await until(() => FakeSocket.last().sent.some((m) => m.type === "join"));
  FakeSocket.last().deliver({ type: "error", code: "forbidden", message: "hosts only",
    rid: FakeSocket.last().sent.find((m) => m.type === "join").rid });
  const err = await p.catch((e) => e);
  assert.ok(err instanceof JoinError);
  assert.equal(err.code, "forbidden");
  const q = c.join("r2");
  await until(() => FakeSocket.last().sent.filter((m) => m.type === "join").length === 2);
  FakeSocket.last().serverClose(1006);
  const lost = await q.catch((e) => e);
  assert.equal(lost.code, "unavailable");
  await until(() => FakeSocket.all.length === 2 && FakeSocket.last().sent.some((m) => m.type === "join"));
  assert.equal(FakeSocket.last().sent.find((m) => m.type === "join").room, "r2"); // joined again by itself
  c.close();
});
