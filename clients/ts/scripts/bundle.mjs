// Builds the SDK's browser bundle: src/ as one ES module, livecore/console/js/sdk/livecore-client.js, which the
// API serves at /assets/js/sdk/livecore-client.js to the viewer page and the host console. The bundle is committed,
// so the pages (and `make demo`) need no Node; `--check` fails when it differs from a fresh build of src/, and
// `npm run build` runs that check. `--target FILE` writes or checks another file (tests).
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = process.argv.indexOf("--target");
const outPath = target > 0 ? process.argv[target + 1]
  : join(root, "..", "..", "livecore", "console", "js", "sdk", "livecore-client.js");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const result = await build({
  absWorkingDir: root, // the source paths named in the bundle's comments are relative to clients/ts
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  charset: "utf8",
  legalComments: "none",
  write: false,
  logLevel: "error",
  banner: {
    js: `// ${pkg.name} ${pkg.version}, built from clients/ts/src by \`npm run bundle\` (scripts/bundle.mjs): do not edit.`,
  },
});
const text = result.outputFiles[0].text;

if (process.argv.includes("--check")) {
  if (!existsSync(outPath) || readFileSync(outPath, "utf8") !== text) {
    console.error(`${outPath} differs from a fresh build of src/: run \`npm run bundle\` in clients/ts and commit it`);
    process.exit(1);
  }
} else {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, text);
}
