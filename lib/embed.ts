/**
 * Embeds for a race website (/embed/<id>): what to show, in which theme, and the sites the organiser lets
 * frame it. A site is an origin (scheme, host, port), optionally with a "*." wildcard for subdomains, as
 * CSP frame-ancestors takes it; anything else (a path, a space, a semicolon) is refused, since the list goes
 * into a header verbatim.
 */
import { z } from 'zod';

export const EMBED_SITES_MAX = 20;

const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

/** An origin as people paste it: case and a trailing slash do not matter. */
export const normaliseSite = (site: string) => site.trim().toLowerCase().replace(/\/+$/, '');

export const EmbedSiteSchema = z
  .string()
  .max(200)
  .transform(normaliseSite)
  .pipe(z.string().regex(ORIGIN, 'a site is an origin such as https://www.myrace.org (https://*.myrace.org for every subdomain), without a path'));

export const EmbedSitesSchema = z.array(EmbedSiteSchema).max(EMBED_SITES_MAX, `at most ${EMBED_SITES_MAX} sites`);

export type EmbedView = 'leaderboard' | 'podium' | 'map' | 'runner';
export type EmbedTheme = 'light' | 'dark';

/** What an embed shows, from its query: one runner with ?runner=, else ?view=map, ?view=podium or the leaderboard. */
export function embedView(query: { view?: string | null; runner?: string | null }): EmbedView {
  if (query.runner) return 'runner';
  return query.view === 'map' || query.view === 'podium' ? query.view : 'leaderboard';
}

export const embedTheme = (theme: string | null | undefined): EmbedTheme => (theme === 'dark' ? 'dark' : 'light');

/** The frame-ancestors source list for an event's embed: its sites, or 'none'. */
export function frameAncestors(sites: readonly string[] | undefined): string {
  const ok = (sites ?? []).filter((s) => ORIGIN.test(s));
  return ok.length ? ok.join(' ') : "'none'";
}

/** The one-line snippet the organiser pastes into the race website. */
export function embedSnippet(origin: string, event: string, options: { view?: EmbedView; theme?: EmbedTheme; runner?: string } = {}): string {
  const q = new URLSearchParams();
  if (options.runner) q.set('runner', options.runner);
  else if (options.view === 'map' || options.view === 'podium') q.set('view', options.view);
  if (options.theme === 'dark') q.set('theme', 'dark');
  const query = q.toString();
  const src = `${origin}/embed/${encodeURIComponent(event)}${query ? `?${query}` : ''}`;
  return `<iframe src="${src}" title="Live race" width="100%" height="600" style="border:0" loading="lazy"></iframe>`;
}

/** The event id of an embed page's path, or null for any other path. */
export function embedEventOf(pathname: string): string | null {
  const m = /^\/embed\/([^/]+)\/?$/.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}
