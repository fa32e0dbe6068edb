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
export { type AuthFailure, type Principal, Role, TokenClaims } from './server/auth.ts';
export {
  type BusinessEnvelopeInput,
  deliverBusinessEvent,
  parseBusinessEvent,
  publishBusinessEvent,
} from './server/business-events.ts';
export * from './server/events.ts';
export { type PresenceChange, PresenceTracker } from './server/presence.ts';
