/**
 * The whole event as one JSON document (event, runners with every fix, moods and cheers, happiness, alerts),
 * streamed page by page from the store: memory stays flat however long the race was.
 */
import { chipKey, type PublicEntry, publicEntry } from '../../lib/entries/entry';
import type { Alert, Cheer, EventInfo, HappinessSample } from '../../lib/protocol';
import type { ReadQueries, RunnerRecord, StoredPosition, TrackFormat, TrackText } from '../storage/store';
import type { Sink } from './sink';

/** The document's shape (docs/api.md). */
export interface EventExport {
  event: EventInfo;
  runners: Array<{
    id: string;
    name: string;
    color: string;
    joinedAt: number;
    bib: string | null;
    /** From the start list: what anyone may know of the entry (never birth year, chip or claim code). */
    entry: PublicEntry | null;
    positions: StoredPosition[];
    moods: Array<{ value: number; t: number }>;
    cheers: Cheer[];
  }>;
  happiness: HappinessSample[];
  /** Every alert of these runners, acknowledged or not, in the order they were raised. */
  alerts: Alert[];
  /** What the timing points saw of these runners, in the order it arrived (chips of nobody's entry left out). */
  passings: Array<{ point: string; runner: string; t: number }>;
}

const PAGE = 10_000;

/**
 * Every fix of a runner in time order, written out a page at a time by the store; the next page is read
 * while this one is sent.
 */
export async function* trackTexts(store: ReadQueries, event: string, runnerId: string, format: TrackFormat, pageSize = PAGE): AsyncGenerator<TrackText> {
  let next: Promise<TrackText> | null = store.trackText(event, runnerId, null, pageSize, format);
  while (next) {
    const page: TrackText = await next;
    next = page.count === pageSize && page.last ? store.trackText(event, runnerId, page.last, pageSize, format) : null;
    if (page.count) yield page;
  }
}

export async function writeEventJson(
  sink: Sink,
  store: ReadQueries,
  event: EventInfo,
  runners: readonly RunnerRecord[],
  /** Whose SOS alerts the reader may see (the organiser: everyone's). */
  seesAlerts: (runnerId: string) => boolean = () => true,
): Promise<number> {
  let fixes = 0;
  await sink.write(`{"event":${JSON.stringify(event)},\n"runners":[`);
  for (let i = 0; i < runners.length; i++) {
    const r = runners[i]!;
    const entry = r.entry ? publicEntry(r.entry) : null;
    await sink.write(
      `${i ? ',' : ''}\n{"id":${JSON.stringify(r.id)},"name":${JSON.stringify(r.name)},"color":${JSON.stringify(r.color)},"joinedAt":${r.joinedAt},"bib":${JSON.stringify(r.bib)},"entry":${JSON.stringify(entry)},"positions":[`,
    );
    let first = true;
    for await (const page of trackTexts(store, event.id, r.id, 'json')) {
      await sink.write(`${first ? '' : ','}\n${page.text}`);
      first = false;
      fixes += page.count;
    }
    const [moods, cheers] = await Promise.all([store.moods(event.id, r.id), store.cheers(event.id, r.id)]);
    await sink.write(`],\n"moods":${JSON.stringify(moods)},\n"cheers":${JSON.stringify(cheers)}}`);
  }
  await sink.write('],\n"happiness":[');
  let after = -Infinity;
  let first = true;
  for (;;) {
    const page = await store.samples(event.id, after === -Infinity ? -8.64e15 : after, PAGE);
    if (page.length) {
      await sink.write(`${first ? '' : ','}\n${page.map((s) => JSON.stringify(s)).join(',\n')}`);
      first = false;
      after = page[page.length - 1]!.t;
    }
    if (page.length < PAGE) break;
  }
  const included = new Set(runners.map((r) => r.id));
  const alerts = (await store.alerts(event.id)).filter((a) => included.has(a.runnerId) && seesAlerts(a.runnerId));
  await sink.write(`],\n"alerts":${JSON.stringify(alerts)},\n"passings":[`);
  const byChip = new Map<string, string>();
  for (const r of runners) if (r.entry?.chip) byChip.set(chipKey(r.entry.chip), r.id);
  let written = 0;
  for (let arrival = 0; ; ) {
    const page = await store.passings(event.id, arrival, PAGE);
    const rows: string[] = [];
    for (const { passing: p } of page) {
      const runner = byChip.get(chipKey(p.chip));
      if (runner) rows.push(JSON.stringify({ point: p.point, runner, t: p.t }));
    }
    if (rows.length) await sink.write(`${written ? ',' : ''}\n${rows.join(',\n')}`);
    written += rows.length;
    if (page.length < PAGE) break;
    arrival = page[page.length - 1]!.arrival;
  }
  await sink.write(']}\n');
  return fixes;
}
