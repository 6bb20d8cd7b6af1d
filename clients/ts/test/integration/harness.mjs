// Starts test/harness.py (the repository's virtualenv) and talks to it one JSON line at a time: tokens, real
// `livecore gateway` processes on a private key prefix, reliable events, a sale, and the Python SDK as a viewer.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const PYTHON = process.env.LIVECORE_PYTHON ?? join(ROOT, ".venv", "bin", "python");

export class Harness {
  static async start() {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: run \`make venv\` at the repository root`);
    const h = new Harness();
    h.proc = spawn(PYTHON, [join(ROOT, "clients", "ts", "test", "harness.py")], { cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"] });
    h.lines = createInterface({ input: h.proc.stdout });
    h.waiting = [];
    h.lines.on("line", (line) => h.waiting.shift()?.(JSON.parse(line)));
    const hello = await new Promise((resolve) => h.waiting.push(resolve));
    if (!hello.ready) throw new Error("harness did not start");
    h.prefix = hello.prefix;
    return h;
  }

  /** One command; rejects when the harness reports an error. */
  call(cmd, args = {}) {
    return new Promise((resolve, reject) => {
      this.waiting.push((answer) => (answer.ok ? resolve(answer) : reject(new Error(`${cmd}: ${answer.error}`))));
      this.proc.stdin.write(JSON.stringify({ cmd, ...args }) + "\n");
    });
  }

  async token(user, role = "viewer", room = null) {
    return (await this.call("token", { user, role, room })).token;
  }

  async stop() {
    const exited = new Promise((resolve) => this.proc.once("exit", resolve));
    this.proc.stdin.write(JSON.stringify({ cmd: "quit" }) + "\n");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

/** `ws` that records every frame the client sends (to see the keys of retried actions). */
export class RecordingWebSocket extends WebSocket {
  static sent = [];
  send(data, ...rest) {
    RecordingWebSocket.sent.push(JSON.parse(data));
    return super.send(data, ...rest);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(predicate, timeoutMs = 15_000, what = "condition") {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await sleep(20);
  }
}

export { WebSocket };
