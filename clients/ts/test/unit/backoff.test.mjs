import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, shouldReconnect } from "../../dist/index.js";

test("delays grow exponentially, stay within [d/2, d] and are capped", () => {
  const lows = new Backoff({ baseMs: 100, factor: 2, capMs: 1000, random: () => 0 });
  const highs = new Backoff({ baseMs: 100, factor: 2, capMs: 1000, random: () => 0.999999 });
  const lo = Array.from({ length: 6 }, () => lows.next());
  const hi = Array.from({ length: 6 }, () => highs.next());
  assert.deepEqual(lo, [50, 100, 200, 400, 500, 500]);
  hi.forEach((d, i) => assert.ok(d <= Math.min(1000, 100 * 2 ** i) && d > lo[i]));
});

test("the jitter spreads clients out and reset starts again", () => {
  let x = 0;
  const b = new Backoff({ baseMs: 1000, random: () => (x = (x + 0.37) % 1) });
  const first = new Set([b.next(), (b.reset(), b.next()), (b.reset(), b.next())]);
  assert.equal(first.size, 3);
  for (const d of first) assert.ok(d >= 500 && d <= 1000);
  b.reset();
  assert.equal(b.attempt, 0);
});

test("close codes follow the table: 4001 reconnects, 4503 and 4501 do not", () => {
  for (const code of [1001, 1006, 1011, 1012, 1013, 4001, 4002, 4100]) assert.ok(shouldReconnect(code), String(code));
  for (const code of [1000, 1009, 4501, 4502, 4503, 4504, 4505, 4506, 4999]) assert.ok(!shouldReconnect(code), String(code));
});
