/**
 * Finding a runner in a field of thousands by what a spectator types: a bib number or part of a name.
 * Results come in the order a person expects: the runner with exactly that bib, then names that start
 * with it, then names with a word that starts with it, then bibs that start with it, then names that
 * merely contain it; within each group by name, with numbers compared as numbers ("Hiro 2" before
 * "Hiro 10"). Accents and case do not matter ("jose" finds "José").
 */

export interface Searchable {
  id: string;
  name: string;
  bib: string | null;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order for names and bibs: case- and accent-blind, digits by value. */
export function compareNatural(a: string, b: string): number {
  return collator.compare(a, b);
}

/** Lower case, accents stripped, runs of spaces and punctuation folded to one space. */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase('en')
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();
}

/** A bib as typed: "007" and "7" are the same bib (so no two runners may have them). */
export function bibKey(bib: string): string {
  const s = normalise(bib).replace(/ /g, '');
  return /^\d+$/.test(s) ? String(Number(s)) : s;
}

interface Keyed<T> {
  item: T;
  name: string;
  bib: string | null;
}

/** Precomputes the normalised keys once, so that each keystroke only compares strings. */
export function createRunnerSearch<T extends Searchable>(runners: readonly T[]): (query: string, limit?: number) => T[] {
  const keyed: Keyed<T>[] = runners.map((item) => ({
    item,
    name: normalise(item.name),
    bib: item.bib === null || item.bib.trim() === '' ? null : bibKey(item.bib),
  }));
  const byName = (a: Keyed<T>, b: Keyed<T>) =>
    compareNatural(a.item.name, b.item.name) ||
    compareNatural(a.item.bib ?? '', b.item.bib ?? '') ||
    (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);

  return (query: string, limit = Infinity) => {
    const q = normalise(query);
    if (!q) return keyed.slice().sort(byName).slice(0, limit).map((k) => k.item);
    const qBib = bibKey(query);
    const tiers: Keyed<T>[][] = [[], [], [], [], []];
    for (const k of keyed) {
      const tier =
        k.bib !== null && k.bib === qBib
          ? 0
          : k.name.startsWith(q)
            ? 1
            : k.name.includes(` ${q}`)
              ? 2
              : k.bib !== null && k.bib.startsWith(qBib)
                ? 3
                : k.name.includes(q)
                  ? 4
                  : -1;
      if (tier >= 0) tiers[tier]!.push(k);
    }
    const out: T[] = [];
    for (const tier of tiers) {
      for (const k of tier.sort(byName)) {
        if (out.length >= limit) return out;
        out.push(k.item);
      }
    }
    return out;
  };
}

/** One-off search; build `createRunnerSearch` once when searching the same field repeatedly. */
export function searchRunners<T extends Searchable>(runners: readonly T[], query: string, limit = Infinity): T[] {
  return createRunnerSearch(runners)(query, limit);
}
