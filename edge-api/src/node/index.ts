export { edgeConfigOrExit } from './config.ts';
export { runEdge } from './run.ts';
export { createNodeStore } from './store.ts';
