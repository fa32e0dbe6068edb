export * from './aggregates.ts';
export * from './alert.ts';
export * from './cluster.ts';
export * from './command.ts';
export * from './config.ts';
export * from './health.ts';
export * from './sketch.ts';
export * from './snapshot.ts';
