import type { HealthReport } from '../schema/health.ts';

/**
 * Kubernetes-style `?verbose` text: one line per check entry (`[+]` ok, `[-]` failed, `[!]` warn),
 * per-node entries suffixed with the node id, and a final verdict line. Warn still passes.
 */
export function renderVerboseHealth(report: HealthReport): string {
  const lines: string[] = [];
  for (const [key, entries] of Object.entries(report.checks)) {
    for (const entry of entries) {
      const name = entry.componentId ? `${key}[${entry.componentId}]` : key;
      if (entry.status === 'pass') lines.push(`[+]${name} ok`);
      else if (entry.status === 'warn') lines.push(`[!]${name} warning: ${entry.output ?? 'degraded'}`);
      else lines.push(`[-]${name} failed: ${entry.output ?? 'reason withheld'}`);
    }
  }
  lines.push(report.status === 'fail' ? 'health check failed' : 'health check passed');
  return `${lines.join('\n')}\n`;
}
