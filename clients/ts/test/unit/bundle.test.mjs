// The browser bundle the livecore pages import (livecore/console/js/sdk/livecore-client.js) is committed: it must
// be exactly a fresh build of src/, and the pages must reach the gateway through it alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pages = join(here, "..", "..", "livecore", "console");
const bundlePath = join(pages, "js", "sdk", "livecore-client.js");

test("the committed bundle is a fresh build of src/, and the check fails on any difference", () => {
  execFileSync("node", ["scripts/bundle.mjs", "--check"], { cwd: here, stdio: "pipe" });
  const dir = mkdtempSync(join(tmpdir(), "livecore-bundle-"));
  try {
    const copy = join(dir, "livecore-client.js");
    const original = readFileSync(bundlePath, "utf8");
    writeFileSync(copy, original);
    execFileSync("node", ["scripts/bundle.mjs", "--check", "--target", copy], { cwd: here, stdio: "pipe" });
    writeFileSync(copy, original.replace("pong timeout", "pong  timeout"));
    assert.throws(() => execFileSync("node", ["scripts/bundle.mjs", "--check", "--target", copy], { cwd: here,
      stdio: "pipe" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the bundle is one ES module exporting the client, importing nothing", async () => {
  const text = readFileSync(bundlePath, "utf8");
  assert.ok(!/^\s*import\s/m.test(text), "the bundle imports another module");
  const sdk = await import(bundlePath);
  for (const name of ["LiveClient", "RoomModel", "Backoff", "JoinError", "shouldReconnect", "newKey"]) {
    assert.equal(typeof sdk[name], "function", `${name} missing from the bundle`);
  }
});

test("the pages open no WebSocket of their own: they import the client from the bundle", () => {
  const js = join(pages, "js");
  for (const name of readdirSync(js).filter((f) => f.endsWith(".js"))) {
    assert.ok(!/new\s+WebSocket\b|\bWebSocket\s*\./.test(readFileSync(join(js, name), "utf8")),
      `${name} uses WebSocket directly`);
  }
  const live = readFileSync(join(js, "live.js"), "utf8");
  assert.match(live, /from "\.\/sdk\/livecore-client\.js"/);
  for (const page of ["room.js", "console.js"]) {
    assert.match(readFileSync(join(js, page), "utf8"), /from "\.\/live\.js"/, `${page} does not use live.js`);
  }
});
