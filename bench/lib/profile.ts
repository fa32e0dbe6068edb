import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const CpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface ProfileShares {
  busyMs: number;
  /** Per group: percent of the busy (non-idle) samples whose own frame's script matches. */
  shares: Record<string, number>;
  /** The group's heaviest frames by self time: `name file:line percent`. */
  top: Record<string, string[]>;
}

/** Self time by script, from a V8 `.cpuprofile` (what `node --cpu-prof` writes). */
export function profileShares(raw: unknown, groups: Record<string, RegExp>): ProfileShares {
  const profile = CpuProfile.parse(raw);
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let busy = 0;
  const groupUs: Record<string, number> = {};
  const frames: Record<string, Map<string, number>> = {};
  for (const [id, us] of selfUs) {
    const frame = byId.get(id);
    if (!frame || frame.functionName === '(idle)') continue;
    busy += us;
    for (const [group, pattern] of Object.entries(groups)) {
      if (!pattern.test(frame.url)) continue;
      groupUs[group] = (groupUs[group] ?? 0) + us;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|main)\//, '')}:${frame.lineNumber + 1}`;
      frames[group] ??= new Map();
      frames[group].set(key, (frames[group].get(key) ?? 0) + us);
    }
  }
  const share = (us: number) => (busy > 0 ? (100 * us) / busy : 0);
  return {
    busyMs: busy / 1000,
    shares: Object.fromEntries(Object.keys(groups).map((g) => [g, share(groupUs[g] ?? 0)])),
    top: Object.fromEntries(
      Object.entries(frames).map(([g, m]) => [
        g,
        [...m]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([k, us]) => `${k} ${share(us).toFixed(2)} %`),
      ]),
    ),
  };
}

/** The main thread's profile in a process's profile folder: the largest file (tsx's loader thread writes a small one). */
export async function mainProfile(folder: string): Promise<unknown> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.cpuprofile'));
  const sized = await Promise.all(files.map(async (f) => ({ f, size: (await stat(join(folder, f))).size })));
  const largest = sized.sort((a, b) => b.size - a.size)[0];
  if (!largest) throw new Error(`no .cpuprofile in ${folder}`);
  return JSON.parse(await readFile(join(folder, largest.f), 'utf8'));
}
