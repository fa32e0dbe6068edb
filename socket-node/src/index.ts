export { type AuthFailure, type Principal, Role, TokenClaims } from './chat/auth.ts';
export {
  type BusinessEnvelopeInput,
  deliverBusinessEvent,
  parseBusinessEvent,
  publishBusinessEvent,
} from './chat/business-events.ts';
export * from './chat/events.ts';
export { type PresenceChange, PresenceTracker } from './chat/presence.ts';
export {
  DEFAULT_PRESENCE,
  defaultNodeId,
  type JwtSettings,
  type PresenceTimings,
  type SocketNodeSettings,
  settingsFromEnv,
} from './config.ts';
export * from './instrument/index.ts';
export { type SocketNode, type SocketNodeDeps, startSocketNode } from './node.ts';
