import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { RoomModel, after, compareOffsets } from "../../dist/index.js";

const vectors = JSON.parse(readFileSync(new URL("../room-vectors.json", import.meta.url), "utf8"));

for (const c of vectors) {
  test(`room model: ${c.name}`, () => {
    const model = new RoomModel();
    for (const m of c.messages) model.apply(m);
    const snap = model.snapshot();
    assert.deepEqual([snap.room, snap.state, snap.offset], [c.expect.room, c.expect.state, c.expect.offset]);
    assert.deepEqual(snap.events.map((e) => e.offset ?? e.id), c.expect.events);
  });
}

test("a frame delivers only what is new", () => {
  const model = new RoomModel();
  model.apply({ type: "joined", room: "r", user: "u", role: "viewer", state: {}, offset: "1-0" });
  const first = model.apply({ type: "frame", room: "r", events: [{ type: "gift", offset: "2-0" }, { type: "chat", id: "c" }] });
  const again = model.apply({ type: "frame", room: "r", events: [{ type: "gift", offset: "2-0" }, { type: "gift", offset: "3-0" }] });
  assert.deepEqual(first.map((e) => e.offset ?? e.id), ["2-0", "c"]);
  assert.deepEqual(again.map((e) => e.offset), ["3-0"]);
});

test("offsets order by number", () => {
  assert.ok(after("1000-0", "999-9") && after("5-10", "5-9") && !after("5-1", "5-1"));
  assert.ok(after("1-0", null) && !after(null, "1-0"));
  assert.equal(compareOffsets("10-0", "9-0"), 1);
});

test("events are bounded", () => {
  const model = new RoomModel(3);
  model.applyFrame(Array.from({ length: 10 }, (_, i) => ({ type: "chat", id: String(i) })), {}, null);
  assert.deepEqual(model.events.map((e) => e.id), ["7", "8", "9"]);
});
