// Against real `livecore gateway` processes (started by the test on a private key prefix): resume over a
// gateway restart, 4001 and 4503, a retried buy, and the same room model as the Python SDK.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { LiveClient } from "../../dist/index.js";
import { Harness, RecordingWebSocket, WebSocket, sleep, until } from "./harness.mjs";

let h;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });

const backoff = { baseMs: 50, capMs: 400 };
const gifts = (events) => events.filter((e) => e.type === "gift").map((e) => e.id);
const range = (from, n) => Array.from({ length: n }, (_, i) => `g${from + i}`);

async function viewer(url, user, extra = {}) {
  const client = new LiveClient({ url, token: await h.token(user), WebSocket, backoff, ...extra });
  const events = [];
  client.on("event", (e) => events.push(e));
  await client.connect();
  return { client, events };
}

test("reconnect and resume over a gateway restart deliver every reliable event once, in order", async () => {
  const gw = await h.call("gateway_start");
  const { client, events } = await viewer(gw.url, "ann");
  const closes = [];
  client.on("close", (c) => closes.push(c));
  await client.join("restart");
  await h.call("publish", { room: "restart", ids: range(0, 20) });
  await until(() => gifts(events).length === 20, 15_000, "the first 20 gifts");
  await h.call("gateway_stop", { port: gw.port });
  await h.call("publish", { room: "restart", ids: range(20, 20) }); // while no gateway runs
  await h.call("gateway_start", { port: gw.port });
  await until(() => client.status === "joined" && client.reconnects >= 1, 20_000, "the rejoin");
  await h.call("publish", { room: "restart", ids: range(40, 20) });
  await until(() => gifts(events).length >= 60, 20_000, "all 60 gifts");
  await sleep(300);
  assert.deepEqual(gifts(events), range(0, 60));
  assert.equal(closes[0].code, 1012);
  assert.ok(closes[0].reconnect);
  client.close();
  await h.call("gateway_stop", { port: gw.port });
});

test("a 4001 close (slow consumer) reconnects and resumes without losing or repeating an event", async () => {
  const gw = await h.call("gateway_start", { settings: { tick_ms: 20, slow_high_water: 32768, slow_limit: 131072,
    slow_timeout_s: 0.5 } });
  const { client, events } = await viewer(gw.url, "snail");
  const closes = [];
  client.on("close", (c) => closes.push(c));
  await client.join("slow");
  const tcp = client.socket._socket;
  tcp.pause(); // stop reading: the gateway's buffer for this viewer fills up
  // keep the room busy for a while: the gateway judges a viewer's buffer as it sends to it
  const started = Date.now();
  let ids = [];
  while (Date.now() - started < 3000 && ids.length < 600) {
    const batch = range(ids.length, 10);
    await h.call("publish", { room: "slow", ids: batch, blob: 20000 });
    ids = ids.concat(batch);
    await sleep(50);
  }
  tcp.resume();
  await until(() => closes.length > 0, 20_000, "the slow-consumer close");
  assert.equal(closes[0].code, 4001);
  assert.ok(closes[0].reconnect);
  await until(() => gifts(events).length >= ids.length, 30_000, "every gift after the resume");
  await sleep(300);
  assert.deepEqual(gifts(events), ids);
  assert.ok(client.reconnects >= 1);
  client.close();
  await h.call("gateway_stop", { port: gw.port });
});

test("a 4503 close (room forbidden) does not reconnect", async () => {
  const gw = await h.call("gateway_start");
  const client = new LiveClient({ url: gw.url, token: await h.token("host1", "host", "mine"), WebSocket, backoff });
  const opens = [];
  client.on("open", (o) => opens.push(o));
  const refused = client.once("refused");
  await client.connect();
  await assert.rejects(client.join("theirs"), /refused/);
  assert.equal((await refused).code, 4503);
  await sleep(1500); // several backoff periods
  assert.equal(opens.length, 1);
  assert.equal(client.reconnects, 0);
  assert.equal(client.status, "closed");
  await h.call("gateway_stop", { port: gw.port });
});

test("a buy retried after a dropped connection reuses its key and yields one order", async () => {
  const gw = await h.call("gateway_start");
  const sale = (await h.call("sale", { room: "shop", quantity: 5 })).id;
  RecordingWebSocket.sent = [];
  const { client } = await viewer(gw.url, "bob", { WebSocket: RecordingWebSocket });
  await client.join("shop");
  const tcp = client.socket._socket;
  tcp.pause(); // the answer to the first attempt will not be read...
  const answer = client.buy(sale, 1);
  await until(() => RecordingWebSocket.sent.some((m) => m.type === "buy"), 5000, "the first attempt");
  await until(async () => (await h.call("sold", { room: "shop", sale })).sold === 1, 10_000, "the first order");
  client.socket.terminate(); // ...because the connection drops before it
  tcp.resume();
  const result = await answer;
  const attempts = RecordingWebSocket.sent.filter((m) => m.type === "buy");
  assert.equal(attempts.length, 2);
  assert.equal(attempts[0].key, attempts[1].key);
  assert.equal(result.type, "result", JSON.stringify(result));
  assert.equal(result.data.replayed, true);
  assert.equal((await h.call("sold", { room: "shop", sale })).sold, 1);
  assert.equal(client.reconnects, 1);
  client.close();
  await h.call("gateway_stop", { port: gw.port });
});

test("the room model equals the Python SDK's after the same session", async () => {
  const gw = await h.call("gateway_start", { settings: { tick_ms: 30 } });
  const room = "twins";
  await h.call("py_join", { name: "py", url: gw.url, room, user: "pyviewer" });
  const { client } = await viewer(gw.url, "tsviewer");
  await client.join(room);
  await until(() => client.state.online === 2, 15_000, "both viewers online");
  const sale = (await h.call("sale", { room, quantity: 3 })).id;
  await h.call("publish", { room, ids: range(0, 5) });
  await h.call("set_state", { room, changes: { title: "秋季新品", product: { id: "p1", price: 990 } } });
  assert.equal((await client.chat("你好")).type, "result");
  client.like(7);
  assert.equal((await client.buy(sale)).type, "result");
  await h.call("set_state", { room, changes: { product: null } });
  await h.call("publish", { room, ids: range(5, 3) });
  let py;
  await until(async () => {
    py = (await h.call("py_snapshot", { name: "py" })).snapshot;
    const ts = client.model.snapshot();
    return ts.offset !== null && JSON.stringify(sortKeys(ts.state)) === JSON.stringify(sortKeys(py.state)) &&
      ts.offset === py.offset && ts.events.length === py.events.length && ts.state.likes === 7 &&
      ts.state[`stock:${sale}`] === 2 && !("product" in ts.state);
  }, 15_000, "both models settled").catch((err) => {
    console.log(JSON.stringify({ ts: client.model.snapshot(), py }, null, 1));
    throw err;
  });
  const ts = client.model.snapshot();
  assert.deepEqual(sortKeys(ts), sortKeys(py));
  assert.deepEqual(gifts(ts.events), range(0, 8));
  assert.ok(ts.events.some((e) => e.type === "chat" && e.text === "你好"));
  client.close();
  await h.call("gateway_stop", { port: gw.port });
});

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}
