/**
 * The README's performance tables, made from what the benchmarks wrote to bench/results/*.json
 * (`npm run bench:tables`). Each table lives between two markers in the README,
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so that the prose around them stays the README's own.
 * Pure: results in, Markdown out.
 */

export interface FanoutPoint {
  server: string;
  spectators: number;
  deliveredPerSec: number;
  share: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  serverCpuPercent: number;
  serverPeakRssMb: number;
  loadCpuPercent: number;
  failed: number;
}
export interface FanoutResult {
  date: string;
  tickMs: number;
  points: FanoutPoint[];
}
export interface LimitResult {
  date: string;
  best: Record<string, number>;
  ratio: number;
}
export interface LivePhase {
  sentPerSec: number;
  ackedShare: number;
  ackP50: number | null;
  ackP99: number | null;
  followP99: number | null;
  interestBytesPerSec: number;
  followBytesPerSec: number;
  liteBytesPerSec: number;
  classicBytesPerSec: number | null;
  bytesPerFixInterest: number | null;
  bytesPerFixClassic: number | null;
  serverCpuPercent: number;
  rssMb: number;
}
export interface RaceResult {
  date: string;
  mode?: 'single' | 'cluster';
  runners: number;
  fixesPerRunner: number;
  /** Share of runners reporting from a tracking app over HTTP (the rest hold a runner page's WebSocket). */
  appShare?: number;
  liveSeconds: number;
  connected?: { ws: number; failed: number; refusal: string | null };
  spectators: number;
  restart: { ms: number; rssMb: number };
  snapshot: { bytes: number; coldMs: number | null; warmMs: number | null; count: number; wholeBytes: number; wholeMs: number };
  browser?: { drawMs: number; heapMb: number; fps: number; frameP95Ms: number; jsKb: number; htmlKb: number };
  live: Record<string, LivePhase>;
  peakRssMb: number;
}
export interface PhoneResult {
  date: string;
  runners: number;
  network: string;
  listedMs: number;
  drawnMs: number;
  scriptKb: number;
  htmlKb: number;
}
export interface Results {
  fanout?: FanoutResult;
  limit?: LimitResult;
  race?: RaceResult;
  clusterRace?: RaceResult;
  phone?: PhoneResult;
}

type Row = string[];

export function markdownTable(head: Row, rows: Row[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: Row) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const n = (v: number) => v.toLocaleString('en');
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${n(v)} ms`);
const kbps = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB/s`;
const day = (iso: string) => iso.slice(0, 10);
/** A figure against its target: "met" or "missed", as the issue's targets read. */
const against = (ok: boolean) => (ok ? 'met' : 'missed');

export function fanoutTable(r: FanoutResult): string {
  const rows = r.points.map((p) => [
    p.server,
    n(p.spectators),
    n(p.deliveredPerSec),
    `${(p.share * 100).toFixed(1)} %`,
    String(p.p50 ?? '—'),
    String(p.p99 ?? '—'),
    String(p.max ?? '—'),
    `${p.serverCpuPercent} %`,
    `${p.serverPeakRssMb} MB`,
    `${p.loadCpuPercent} %`,
    String(p.failed),
  ]);
  const table = markdownTable(['server', 'S', 'delivered/s', 'share', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'peak RSS', 'load CPU', 'failed'], rows);
  const ratios: string[] = [];
  for (const s of [...new Set(r.points.map((p) => p.spectators))]) {
    const ours = r.points.find((p) => p.server === 'trackside' && p.spectators === s);
    const bare = r.points.find((p) => p.server === 'batched' && p.spectators === s);
    if (ours?.p99 != null && bare?.p99 != null) ratios.push(`S = ${n(s)}: Trackside's p99 ÷ the bare broadcaster's ${(ours.p99 / bare.p99).toFixed(2)}× (target ≤ 1.2×)`);
  }
  return [`Run of ${day(r.date)}, \`TICK_MS=${r.tickMs}\`:`, '', table, ...(ratios.length ? ['', ratios.join('; ') + '.'] : [])].join('\n');
}

export function limitTable(r: LimitResult): string {
  const rows = Object.entries(r.best).map(([server, s]) => [server, n(s)]);
  return [
    `Run of ${day(r.date)}: the largest S with ≥ 99.9 % delivered and p99 ≤ 500 ms.`,
    '',
    markdownTable(['server', 'largest S'], rows),
    '',
    `Trackside ÷ bare broadcaster: ${r.ratio.toFixed(2)}× (target ≥ 0.9×: ${against(r.ratio >= 0.9)}).`,
  ].join('\n');
}

export function raceTable(r: RaceResult): string {
  const rows: Row[] = [];
  const where = r.mode === 'cluster' ? 'three instances on PostgreSQL and Redis' : 'one server on SQLite, pages included';
  rows.push(['restart: first answer, RSS', `${ms(r.restart.ms)}, ${n(r.restart.rssMb)} MB`, '', '']);
  const snap = r.snapshot;
  rows.push(['late snapshot: bytes (interest)', `${(snap.bytes / 1024).toFixed(1)} KB for ${n(snap.count)} runners`, '≤ 500 KB', against(snap.bytes <= 500 * 1024)]);
  rows.push(['late snapshot: first (loads the room), next', `${ms(snap.coldMs)}, ${ms(snap.warmMs)}`, '≤ 500 ms', against(snap.coldMs !== null && snap.coldMs <= 500)]);
  rows.push(['whole-event snapshot (protocol 2)', `${(snap.wholeBytes / 2 ** 20).toFixed(1)} MB in ${ms(snap.wholeMs)}`, '', '']);
  if (r.browser) {
    const b = r.browser;
    rows.push(['page: every runner drawn (CPU 4× slower)', ms(b.drawMs), '≤ 2,000 ms', against(b.drawMs <= 2000)]);
    rows.push(['page: JS heap', `${b.heapMb} MB`, '≤ 150 MB', against(b.heapMb <= 150)]);
    rows.push(['page: dragging the map', `${b.fps} frames/s (p95 frame ${b.frameP95Ms} ms)`, '50 frames/s', against(b.fps >= 50)]);
    rows.push(['page: script and HTML transferred', `${b.jsKb} KB, ${b.htmlKb} KB`, '', '']);
  }
  if (r.connected) {
    const refused = r.connected.refusal ? ` (${/"code":"([a-z_]+)"/.exec(r.connected.refusal)?.[1] ?? 'refused'})` : '';
    rows.push(['live: runner pages connected', `${n(r.connected.ws)}, ${n(r.connected.failed)} failed${refused}`, '', '']);
  }
  for (const [name, p] of Object.entries(r.live)) {
    // Bytes a spectator received say nothing when the server did not keep up with the fixes.
    const kept = p.ackedShare >= 0.99;
    const bytes = (ok: boolean) => (kept ? against(ok) : 'not shown: the server fell behind');
    rows.push([`${name}: fixes sent, acknowledged`, `${n(p.sentPerSec)}/s, ${(p.ackedShare * 100).toFixed(1)} % (p50 ${ms(p.ackP50)}, p99 ${ms(p.ackP99)})`, 'keeps up', against(p.ackedShare >= 0.999)]);
    rows.push([`${name}: page spectator (default view)`, kbps(p.interestBytesPerSec), '≤ 16 KB/s', bytes(p.interestBytesPerSec <= 16 * 1024)]);
    rows.push([`${name}: light page following one runner`, kbps(p.liteBytesPerSec), '≤ 4 KB/s', bytes(p.liteBytesPerSec <= 4 * 1024)]);
    rows.push([`${name}: page following one runner`, `${kbps(p.followBytesPerSec)} (p99 ${ms(p.followP99)} fix to screen)`, '', '']);
    if (p.classicBytesPerSec !== null) rows.push([`${name}: whole-event subscriber (protocol 2)`, kbps(p.classicBytesPerSec), '', '']);
    const before = p.bytesPerFixClassic === null ? '' : `${p.bytesPerFixClassic} (JSON, whole event) → `;
    rows.push([`${name}: bytes per fix`, `${before}${p.bytesPerFixInterest ?? '—'} (binary field frames)`, '', '']);
    const cpu = r.mode === 'cluster' ? 'instances\' CPU together, RSS peak of one' : 'server CPU, RSS peak';
    rows.push([`${name}: ${cpu}`, `${p.serverCpuPercent} %, ${n(p.rssMb)} MB`, '≤ 1 GB', against(p.rssMb <= 1024)]);
  }
  rows.push(['server peak RSS over the whole run', `${n(r.peakRssMb)} MB${r.mode === 'cluster' ? ' (the largest instance)' : ''}`, '≤ 1 GB', against(r.peakRssMb <= 1024)]);
  return [
    `Run of ${day(r.date)}: ${n(r.runners)} runners with ${r.fixesPerRunner} fixes each of history, ${where}; ${r.liveSeconds} s per live phase, ${r.spectators} page spectators` +
      (r.appShare === undefined ? ':' : `; ${Math.round(r.appShare * 100)} % of runners on a tracking app (keep-alive HTTP), the rest on the runner page (WebSocket):`),
    '',
    markdownTable(['step', 'measured', 'target', ''], rows),
  ].join('\n');
}

export function phoneTable(r: PhoneResult): string {
  return [
    `Run of ${day(r.date)}: a ${n(r.runners)}-runner race on a phone on a busy 4G cell (${r.network}, CPU 4× slower).`,
    '',
    markdownTable(
      ['step', 'measured', 'target', ''],
      [
        ['every runner listed', ms(r.listedMs), '≤ 3,000 ms', against(r.listedMs <= 3000)],
        ['every runner on the map', ms(r.drawnMs), '', ''],
        ['script, page transferred', `${r.scriptKb} KB, ${r.htmlKb} KB`, '', ''],
      ],
    ),
  ].join('\n');
}

/** Every table the results allow, by marker name. */
export function tables(r: Results): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.fanout) out.fanout = fanoutTable(r.fanout);
  if (r.limit) out.limit = limitTable(r.limit);
  if (r.race) out.race = raceTable(r.race);
  if (r.clusterRace) out['cluster-race'] = raceTable(r.clusterRace);
  if (r.phone) out.phone = phoneTable(r.phone);
  return out;
}

/** The README with each marked block's content replaced; blocks without results are left as they are. */
export function replaceBlocks(readme: string, blocks: Record<string, string>): { text: string; replaced: string[] } {
  const replaced: string[] = [];
  let text = readme;
  for (const [name, body] of Object.entries(blocks)) {
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const a = text.indexOf(open);
    const b = text.indexOf(close);
    if (a < 0 || b < a) continue;
    text = `${text.slice(0, a + open.length)}\n${body}\n${text.slice(b)}`;
    replaced.push(name);
  }
  return { text, replaced };
}
