/**
 * Where a profiled server's time went (`npm run bench -- --cpu-prof`): each .cpuprofile that node --cpu-prof
 * wrote, as self time per function and per part of the code (the live layer, the room, ws, Node's own,
 * garbage collection, idle), largest first. Written next to the profiles as summary.json.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = join(__dirname, '..');

/** The part of the code a source belongs to. */
function part(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith('node:')) return 'node:' + path.slice(5).split('/')[0];
  const rel = relative(ROOT, path);
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (mod) return mod[1]!;
  return rel.split('/').slice(0, rel.startsWith('server/') ? 2 : 1).join('/');
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  parts: Array<{ part: string; ms: number; share: number }>;
  functions: Array<{ fn: string; ms: number; share: number }>;
}

export function summariseProfile(file: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const parts = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = part(url, functionName);
    parts.set(where, (parts.get(where) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${url ? `${relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : ''}`.trim();
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
    total += ms;
  }
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    file,
    totalMs: Math.round(total),
    parts: ranked(parts).map(([k, ms]) => ({ part: k, ms: Math.round(ms), share: ms / total })),
    functions: ranked(fns)
      .slice(0, 30)
      .map(([k, ms]) => ({ fn: k, ms: Math.round(ms), share: ms / total })),
  };
}

const busy = (s: ProfileSummary) => s.totalMs - (s.parts.find((p) => p.part === '(idle)')?.ms ?? 0);

/**
 * Summarise the profiles under `dir` (a folder per profiled process; of each, the busiest thread's: the main
 * one), print them, keep summary.json, and drop the (large) profiles.
 */
export async function summarise(dir: string): Promise<ProfileSummary[]> {
  const out: ProfileSummary[] = [];
  for (const run of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const files = readdirSync(join(dir, run.name)).filter((f) => f.endsWith('.cpuprofile'));
    const threads = files.map((f) => summariseProfile(join(dir, run.name, f)));
    const main = threads.sort((a, b) => busy(b) - busy(a))[0];
    if (main) out.push({ ...main, file: run.name });
    rmSync(join(dir, run.name), { recursive: true, force: true });
  }
  for (const s of out) {
    console.log(`\n${s.file}: ${s.totalMs} ms sampled, ${Math.round(busy(s))} ms busy`);
    for (const p of s.parts.filter((x) => x.share >= 0.01)) console.log(`  ${(p.share * 100).toFixed(1).padStart(5)} %  ${p.part}`);
    console.log('  top functions (self time):');
    for (const f of s.functions.slice(0, 15)) console.log(`  ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.fn}`);
  }
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(out, null, 2));
  return out;
}

if (require.main === module) void summarise(process.argv[2] ?? join(__dirname, 'results', 'profiles'));
