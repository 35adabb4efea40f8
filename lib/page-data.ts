/**
 * What the Next pages read from the running server. Next bundles pages apart from server.ts, so a module
 * imported by both would exist twice; the one live source is kept on globalThis under a registered symbol.
 */
import type { ListPage } from './api-schemas';
import type { EventInfo, ShareLink, ShareLinkState } from './protocol';

export interface ClientConfig {
  tileUrl: string;
  tileAttribution: string;
  /** Addresses the server is reachable at, as printed at start-up (phones need one that is not loopback). */
  reachableUrls: string[];
  /** The TCP port timing decoders may push passings to; null when the listener is off. */
  timingTcpPort?: number | null;
}

export interface PageData {
  /** Every event as anyone may see it: a protected one with its name and status only, and no counts. */
  listEvents(): Array<EventInfo & { runners: number | null; active: number | null }>;
  /**
   * An event as anyone may see it (eventShownToAnyone): a page is rendered before the browser sends a view
   * code or the organiser token, so a protected event's page carries its name and status only; the rest
   * comes over the live connection or the API once the viewer proves they may see it.
   */
  publicEvent(id: string): EventInfo | undefined;
  /**
   * The first rows of a public event's runner list in race order, for the page to show before any script has
   * run (a phone on a slow network sees the field listed at once); null for a protected event.
   */
  firstRows(id: string, limit: number): Promise<ListPage | null>;
  /** What an active share link opens: the whole event (the link is the viewer's right to it). */
  resolveShareLink(token: string): { event: EventInfo; link: ShareLink; state: ShareLinkState } | null;
  clientConfig: ClientConfig;
}

const KEY = Symbol.for('trackside.page-data');
type Holder = { [KEY]?: PageData };

export function providePageData(data: PageData): void {
  (globalThis as Holder)[KEY] = data;
}

export function pageData(): PageData {
  const data = (globalThis as Holder)[KEY];
  if (!data) throw new Error('Trackside pages must be served by server.ts (npm run dev / npm start).');
  return data;
}
