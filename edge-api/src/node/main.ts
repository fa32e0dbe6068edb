import { edgeConfigOrExit } from './config.ts';
import { runEdge } from './run.ts';
import { createNodeStore } from './store.ts';

const config = edgeConfigOrExit(process.env);
await runEdge(config, await createNodeStore(config));
