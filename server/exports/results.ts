/**
 * The results as a download: CSV (the columns results services import: places overall, in category, sex
 * and age group, bib, name, category, club, wave, status, gun and chip time, every split) or JSON. Written
 * a few hundred rows at a time through the sink, so a slow client holds back only itself.
 */
import { type ResultRow, resultsCsvHeader, resultsCsvRow, type SplitColumn } from '../../lib/course/results';
import type { EventInfo } from '../../lib/protocol';
import type { Sink } from './sink';

const CHUNK = 500;

export async function writeResultsCsv(sink: Sink, columns: readonly SplitColumn[], rows: readonly ResultRow[]): Promise<void> {
  // A byte-order mark: spreadsheets then read names with accents as UTF-8.
  await sink.write(`\uFEFF${resultsCsvHeader(columns)}\r\n`);
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sink.write(rows.slice(i, i + CHUNK).map((row) => `${resultsCsvRow(row)}\r\n`).join(''));
  }
}

/** {"event", "generatedAt", "splits": [{label, at}], "results": [row …]}: times in seconds, clock times in ms. */
export async function writeResultsJson(sink: Sink, event: EventInfo, generatedAt: number, columns: readonly SplitColumn[], rows: readonly ResultRow[]): Promise<void> {
  const head = {
    event: { id: event.id, name: event.name, status: event.status, startsAt: event.race?.startsAt ?? null, order: event.race?.order ?? 'chip' },
    generatedAt,
    splits: columns.map((c) => ({ label: c.label, at: Math.round(c.at * 10) / 10 })),
  };
  const open = JSON.stringify(head);
  await sink.write(`${open.slice(0, -1)},"results":[`);
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sink.write(`${i ? ',' : ''}\n${rows.slice(i, i + CHUNK).map((row) => JSON.stringify(row)).join(',\n')}`);
  }
  await sink.write(']}\n');
}
