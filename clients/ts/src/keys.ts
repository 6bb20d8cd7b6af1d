/**
 * Idempotency keys: one per intended action (a purchase, a claim, a gift), made once and sent again unchanged on
 * every retry of that action, so the server answers a retry with the first answer instead of acting twice.
 */
export function newKey(prefix = "k"): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return `${prefix}-${c.randomUUID()}`;
  let out = "";
  for (let i = 0; i < 4; i++) out += Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, "0");
  return `${prefix}-${out}`;
}
