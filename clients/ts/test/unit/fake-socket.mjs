// An in-memory WebSocket for the unit tests of the client's pure rules (the integration tests use a real gateway).
export class FakeSocket {
  static all = [];
  static autoOpen = true;
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    FakeSocket.all.push(this);
    if (FakeSocket.autoOpen) queueMicrotask(() => this.open());
  }
  open() { this.readyState = 1; this.onopen?.({}); }
  send(data) { this.sent.push(JSON.parse(data)); }
  deliver(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  close(code = 1000, reason = "") { this.readyState = 3; this.onclose?.({ code, reason }); }
  serverClose(code, reason = "") { this.readyState = 3; this.onclose?.({ code, reason }); }
  static last() { return FakeSocket.all[FakeSocket.all.length - 1]; }
  static reset() { FakeSocket.all = []; FakeSocket.autoOpen = true; }
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

export async function until(predicate, timeoutMs = 2000) {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await tick(2);
  }
}
