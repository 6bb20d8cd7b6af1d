// Tiny DOM helpers: build elements without a framework, show toasts, run an action with its button disabled.
import { reason, t } from "./i18n.js";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** h("div.card#x", {onclick}, child, "text") */
export function h(tag, attrs = {}, ...children) {
  const [name, ...rest] = tag.split(/(?=[.#])/);
  const el = document.createElement(name || "div");
  for (const part of rest) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "text") el.textContent = v;
    else if (k === "style") el.style.cssText = v;  // through the CSSOM: the content policy forbids style attributes
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Show a message for a few seconds. kind: info | ok | error */
export function toast(text, kind = "info", ms = 4000) {
  let box = $("#toasts");
  if (!box) {
    box = h("div#toasts", { role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  const el = h("div.toast." + kind, { text });
  box.append(el);
  setTimeout(() => el.remove(), ms);
  return el;
}

export function errorText(err) {
  if (err && err.code) return reason(err.code, err.message);
  console.debug("error", err);
  return t("unknown_refusal");
}

/**
 * Run ``fn`` with ``button`` disabled (no double submits); a refusal is shown in ``where`` (or a toast).
 * Returns fn's value, or undefined after an error.
 */
export async function busy(button, fn, where = null) {
  if (button) button.disabled = true;
  if (where) { where.textContent = ""; where.classList.remove("error", "ok"); }
  try {
    return await fn();
  } catch (err) {
    const text = errorText(err);
    if (where) { where.textContent = text; where.classList.add("error"); }
    else toast(text, "error");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function formData(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "number") out[el.name] = el.value === "" ? null : Number(el.value);
    else if (el.type === "checkbox") out[el.name] = el.checked;
    else out[el.name] = el.value;
  }
  return out;
}

export function clock(ms) {
  const d = new Date(ms);
  return d.toTimeString().slice(0, 8);
}

export function remaining(ms) {
  if (ms <= 0) return "00:00";
  const s = Math.ceil(ms / 1000);
  const m = Math.floor(s / 60), r = s % 60;
  const hh = Math.floor(m / 60);
  const pad = (x) => String(x).padStart(2, "0");
  return hh ? `${hh}:${pad(m % 60)}:${pad(r)}` : `${pad(m)}:${pad(r)}`;
}
