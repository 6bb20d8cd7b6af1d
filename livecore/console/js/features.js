// Room features show themselves through this module. Each feature's console panel and viewer widget is an ES
// module (named by its Python `Feature`, livecore/features) that calls register(); the page loads the modules
// the server lists at /features/{page}.js and calls the hooks of those registered. Nothing in console.js or
// room.js names a feature registered here.
//
// A registration: { name,
//   keys: ["poll:", "redpacket"],   room state keys it shows ("x:" matches every "x:<id>")
//   events: ["poll"],               room event types it reacts to
//   words: { zh: {...}, en: {...} }, its i18n words
//   mount(ctx),                     once: build its tab (console: ctx.addTab) or widget (viewer: ctx.addWidget)
//   render(ctx, change),            a state key it shows changed (change: the changed keys and values)
//   onEvent(ctx, e),                one of its events arrived
//   tick(ctx),                      every half second (countdowns)
//   chatAnswer(ctx, text, data) }   viewer: a chat this viewer sent was answered with data (a feature that took
//                                   the chat, such as a red packet's phrase, answers with its own data)
// ctx: { page, room, api, state (the room's current state), request(msg) (viewer: over the room's socket),
//        me, addTab(name, label), addWidget(name) }
import { addWords } from "./i18n.js";

const registered = [];

export function register(feature) {
  if (feature.words) addWords(feature.words);
  registered.push(feature);
}

export const features = () => registered;

/** Load the page's feature modules (a failed one is logged, the page goes on without it). */
export async function loadFeatures(page) {
  try {
    await import(`/features/${page}.js`);
  } catch (err) {
    console.warn("features of", page, "not loaded", err);
  }
}

const shows = (f, key) => (f.keys || []).some((k) => (k.endsWith(":") ? key.startsWith(k) : key === k));

function each(hook, ...args) {
  for (const f of registered) {
    if (typeof f[hook] !== "function") continue;
    try {
      f[hook](...args);
    } catch (err) {
      console.error(`feature ${f.name}: ${hook} failed`, err);
    }
  }
}

export function mountFeatures(ctx) { each("mount", ctx); }

export function renderFeatures(ctx, change = null) {
  for (const f of registered) {
    if (typeof f.render !== "function") continue;
    const mine = change === null ? null : Object.fromEntries(Object.entries(change).filter(([k]) => shows(f, k)));
    if (mine !== null && !Object.keys(mine).length) continue;
    try {
      f.render(ctx, mine);
    } catch (err) {
      console.error(`feature ${f.name}: render failed`, err);
    }
  }
}

export function featureEvent(ctx, e) {
  for (const f of registered) {
    if (!(f.events || []).includes(e.type) || typeof f.onEvent !== "function") continue;
    try {
      f.onEvent(ctx, e);
    } catch (err) {
      console.error(`feature ${f.name}: event failed`, err);
    }
  }
}

export function tickFeatures(ctx) { each("tick", ctx); }

export function chatAnswered(ctx, text, data) { each("chatAnswer", ctx, text, data); }
