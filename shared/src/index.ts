export * from './alerts/index.ts';
export * from './exposition/index.ts';
export * from './health/index.ts';
export * from './keys/index.ts';
export * from './merge/index.ts';
export * from './schema/index.ts';
export * from './sketch/index.ts';
export type * from './store/port.ts';
