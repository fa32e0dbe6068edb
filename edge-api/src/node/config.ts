import { ConfigError, EdgeConfig, parseConfig } from '@telltale/shared';

/** Parses the edge's env; on a bad value prints every problem and exits 1, as an operator expects. */
export function edgeConfigOrExit(env: Record<string, string | undefined>): EdgeConfig {
  try {
    return parseConfig(EdgeConfig, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`telltale edge: ${err.message}`);
    process.exit(1);
  }
}
