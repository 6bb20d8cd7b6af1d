export { Backoff, type BackoffOptions } from "./backoff.js";
export { Close, shouldReconnect } from "./codes.js";
export { Emitter } from "./emitter.js";
export { newKey } from "./keys.js";
export { after, compareOffsets, RoomModel, type RoomSnapshot } from "./room.js";
export {
  JoinError, LiveClient, type Answer, type ClientEvents, type ClientOptions, type OnlineSource, type Status,
  type WebSocketConstructor, type WebSocketLike,
} from "./client.js";
export * from "./protocol.js";
