import { CLOSE_CODES } from "./protocol.js";

/** Close codes with a rule of their own in the client (beyond "reconnect or not"). */
export const Close = {
  NORMAL: 1000,
  SERVICE_RESTART: 1012,
  SLOW_CONSUMER: 4001,
  UNAUTHORIZED: 4501,
  TOKEN_EXPIRED: 4502,
  ROOM_FORBIDDEN: 4503,
} as const;

/**
 * Whether a close code means "reconnect" (with backoff, then join with `last_offset`): 1001, 1006, 1011, 1012,
 * 1013 and 4000-4499; every other code means "do not reconnect until something changes" (docs/protocol.md,
 * section 8; `livecore.protocol.should_reconnect` in Python).
 */
export function shouldReconnect(code: number): boolean {
  const known = CLOSE_CODES[code];
  if (known) return known.reconnect;
  return code >= 4000 && code < 4500;
}
