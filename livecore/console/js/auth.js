// Where a page gets its token: ?token= in the link (kept for the tab), else the demo login.
import { Api } from "./api.js";

const KEY = "livecore.token." + location.pathname;

export function tokenFromPage() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(KEY);
}

export function rememberToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/** The claims of a JWT (not verified here: the server verifies every call). */
export function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(escape(atob(part + "===".slice((part.length + 3) % 4))));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export async function devLogin(user, name, role, room) {
  const res = await new Api(null).post("/api/dev/login", { user, name, role, room });
  rememberToken(res.token);
  return res.token;
}
