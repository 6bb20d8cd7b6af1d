import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("npm pack gives a publishable package: README, LICENSE, types and exports", () => {
  const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: here,
    encoding: "utf8" }));
  const files = new Set(pack.files.map((f) => f.path));
  for (const f of ["README.md", "LICENSE", "package.json", "dist/index.js", "dist/index.d.ts", "dist/protocol.d.ts"]) {
    assert.ok(files.has(f), `${f} missing from the package`);
  }
  assert.ok(![...files].some((f) => f.startsWith("test/") || f.startsWith("src/") || f.startsWith("node_modules/")));
  const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
  assert.equal(pkg.name, "@livecore/client");
  assert.equal(pkg.type, "module");
  assert.deepEqual(pkg.exports["."], { types: "./dist/index.d.ts", import: "./dist/index.js" });
  assert.equal(pkg.license, "Apache-2.0");
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
});

test("the stale-types check fails when the generated types differ from the schema", () => {
  execFileSync("node", ["scripts/gen-types.mjs", "--check"], { cwd: here });
  const dir = mkdtempSync(join(tmpdir(), "livecore-types-"));
  const copy = join(dir, "protocol.ts");
  const original = readFileSync(join(here, "src", "protocol.ts"), "utf8");
  writeFileSync(copy, original);
  execFileSync("node", ["scripts/gen-types.mjs", "--check", "--target", copy], { cwd: here });
  writeFileSync(copy, original.replace("export interface Buy {", "export interface Buy {\n  extra?: string;"));
  assert.throws(() => execFileSync("node", ["scripts/gen-types.mjs", "--check", "--target", copy], { cwd: here,
    stdio: "pipe" }));
  rmSync(dir, { recursive: true, force: true });
});
