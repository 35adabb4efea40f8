/**
 * The light page's HTML (/e/<id>/lite): text first, for a phone on a saturated network. The runners followed
 * as cards (position, distance along the course, last checkpoint, the next one and the finish, when last
 * heard of), a search, and the leaders; styles inline, one small script that reads the cards again every
 * 15 s with a conditional GET. A few kilobytes in all; every value a labelled sentence part.
 */
import { type DistanceUnit, formatDistance, formatGap } from '../../../lib/course/units';
import type { EventInfo } from '../../../lib/protocol';
import type { FollowedRunner } from '../../room/followed';
import type { ListRow } from '../../room/list';

/** Runners one light page may follow. */
export const LITE_FOLLOW_MAX = 5;
/** Cards are read again this often. */
export const LITE_REFRESH_MS = 15_000;

export interface LitePage {
  event: EventInfo;
  unit: DistanceUnit;
  now: number;
  /** Runner ids in the address (followed). */
  follow: string[];
  runners: FollowedRunner[];
  /** The search typed, and what it found; the leaders when nobody is followed. */
  q: string;
  found: ListRow[] | null;
  leaders: ListRow[];
  /** The access the page was opened with (kept in its links). */
  access: { code?: string; share?: string };
  nonce: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** "3 min", "1 h 05 min", "40 s". */
function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const ago = (t: number | null, now: number) => (t === null ? 'never' : `${span(now - t)} ago`);

/** "in 12 to 18 min": from the earliest to the latest plausible arrival (the likely one when they agree). */
function within(eta: { t: number; lo: number; hi: number }, now: number): string {
  const lo = span(eta.lo - now);
  const hi = span(eta.hi - now);
  return lo === hi ? `in about ${span(eta.t - now)}` : `in ${lo} to ${hi}`;
}

export function query(base: Record<string, string | undefined>, follow: readonly string[]): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v) q.set(k, v);
  for (const id of follow) q.append('runner', id);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** This page's address, following `follow`. */
const here = (p: LitePage, follow: readonly string[]) => `/e/${encodeURIComponent(p.event.id)}/lite${query(p.access, follow)}`;

function card(r: FollowedRunner, p: LitePage): string {
  const rows: Array<[string, string]> = [];
  if (r.state === 'finished') rows.push(['Finished', r.finish === null ? 'yes' : `in ${formatGap(r.finish).slice(1)}`]);
  if (r.pos !== null) rows.push(['Position', String(r.pos)]);
  rows.push([r.at !== null ? 'Along the course' : 'Distance', formatDistance(r.at ?? r.distance, p.unit)]);
  if (r.probably) {
    const band = `${formatDistance(r.probably.lo, p.unit)} to ${formatDistance(r.probably.hi, p.unit)}`;
    rows.push([r.probably.kind === 'ghost' ? 'Probably' : 'Predicted', `between ${band}`]);
  }
  if (r.cp) rows.push(['Last checkpoint', `${r.cp.name}, ${ago(r.cp.t, p.now)}`]);
  if (r.next && r.state !== 'finished') rows.push(['Next', `${r.next.label} ${within(r.next, p.now)}`]);
  if (r.finishEta !== null && r.next?.label !== 'Finish' && r.state !== 'finished') rows.push(['Finish', within(r.finishEta, p.now)]);
  if (r.state === 'not-started') rows.push(['Race', 'not started yet']);
  rows.push(['Last heard of', ago(r.lastSeen, p.now)]);
  const rest = p.follow.filter((id) => id !== r.id);
  return `<article data-runner="${esc(r.id)}"><h3>${esc(r.name)}${r.bib ? ` <span class="bib">bib ${esc(r.bib)}</span>` : ''}</h3><dl>${rows
    .map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl><a href="${esc(here(p, rest))}">Stop following ${esc(r.name)}</a></article>`;
}

/** The followed runners' cards: the part the page reads again. */
export function cards(p: LitePage): string {
  if (p.follow.length === 0) return '<p>You follow nobody yet: find a runner below.</p>';
  const shown = p.runners.map((r) => card(r, p)).join('');
  const missing = p.follow.length - p.runners.length;
  return `${shown}${missing > 0 ? `<p>${missing === 1 ? 'One runner in the address is' : `${missing} runners in the address are`} not in this event (or has sent no position yet).</p>` : ''}<p class="small">As of ${new Date(p.now).toISOString().slice(11, 16)} UTC.</p>`;
}

function rowList(rows: readonly ListRow[], p: LitePage): string {
  return `<ol>${rows
    .map((r) => {
      const follow = p.follow.includes(r.id) || p.follow.length >= LITE_FOLLOW_MAX ? '' : ` <a href="${esc(here(p, [...p.follow, r.id]))}">Follow</a>`;
      const where = r.race?.pos ? `position ${r.race.pos}, ` : '';
      const along = formatDistance(r.race?.at ?? r.distance, p.unit);
      return `<li>${esc(r.name)}${r.bib ? ` (bib ${esc(r.bib)})` : ''}: ${where}${along}.${follow}</li>`;
    })
    .join('')}</ol>`;
}

const STYLE = `body{font:16px/1.45 system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:12px;color:#111;background:#fff}h1{font-size:1.3rem;margin:0}h2{font-size:1.1rem;margin:1.2em 0 .4em}h3{margin:0 0 .3em;font-size:1.05rem}article{border:1px solid #888;border-radius:8px;padding:10px;margin:0 0 10px}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 6px}dt{color:#333}dd{margin:0;font-weight:600}.bib{font-weight:400;color:#333}.small{font-size:.85rem;color:#333}a{color:#0645ad}input{font:inherit;padding:6px;max-width:100%}button{font:inherit;padding:6px 12px}ol{padding-left:1.4em}li{margin:.2em 0}`;

/** The script: read the cards again every 15 s, conditionally (the browser sends the ETag it has). */
function script(p: LitePage): string {
  const url = JSON.stringify(`${here(p, p.follow)}${p.follow.length || Object.keys(p.access).length ? '&' : '?'}part=cards`);
  return `(function(){var el=document.getElementById('cards');setInterval(function(){fetch(${url},{cache:'no-cache'}).then(function(r){return r.ok?r.text():null}).then(function(t){if(t!==null&&t!==el.innerHTML)el.innerHTML=t}).catch(function(){})},${LITE_REFRESH_MS})})();`;
}

export function page(p: LitePage): string {
  const name = esc(p.event.name);
  const hidden = Object.entries(p.access)
    .flatMap(([k, v]) => (v ? [`<input type="hidden" name="${k}" value="${esc(v)}">`] : []))
    .concat(p.follow.map((id) => `<input type="hidden" name="runner" value="${esc(id)}">`))
    .join('');
  const results = p.found === null ? '' : p.found.length ? rowList(p.found, p) : `<p>No runner called “${esc(p.q)}” and no such bib.</p>`;
  const status = p.event.status === 'finished' ? 'This event has finished.' : 'Live.';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${name}: light page</title><style nonce="${p.nonce}">${STYLE}</style></head><body><header><h1>${name}</h1><p class="small">${status} The light page: text only, read again every 15 s. <a href="/e/${esc(p.event.id)}${esc(query(p.access, []))}">Open the full page with the map</a>.</p></header><main><section aria-labelledby="following"><h2 id="following">Following</h2><div id="cards" aria-live="polite">${cards(p)}</div></section><section aria-labelledby="find"><h2 id="find">Find a runner</h2><form method="get"><label for="q">Name or bib</label> <input id="q" name="q" type="search" value="${esc(p.q)}" autocomplete="off">${hidden} <button type="submit">Find</button></form>${results}</section>${p.leaders.length ? `<section aria-labelledby="leaders"><h2 id="leaders">${p.event.race?.course ? 'Leaders' : 'Runners'}</h2>${rowList(p.leaders, p)}</section>` : ''}</main><script nonce="${p.nonce}">${script(p)}</script></body></html>`;
}

/** When a view code is needed: a form for it, and nothing of the event but its name. */
export function codePage(event: { id: string; name: string }, wrong: boolean, nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(event.name)}: light page</title><style nonce="${nonce}">${STYLE}</style></head><body><h1>${esc(event.name)}</h1><form method="get"><p>${wrong ? 'That view code is not right: check it with the organiser.' : 'This event is protected: enter its view code.'}</p><label for="code">View code</label> <input id="code" name="code" required autocomplete="off"> <button type="submit">Open</button></form></body></html>`;
}
