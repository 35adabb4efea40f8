/** The podium of each category: its first three finishers, categories in the order their winners finished. */
export interface PodiumRunner {
  id: string;
  bib: string | null;
  name: string;
  club: string | null;
  /** Seconds (chip or gun time, as the event ranks). */
  time: number | null;
}

export interface Podium {
  category: string;
  places: PodiumRunner[];
}

export function podiums<R extends { id: string; bib: string | null; name: string; state: string; finish: number | null; entry: { category: string | null; club: string | null } | null }>(
  rows: readonly R[],
  size = 3,
): Podium[] {
  const out = new Map<string, PodiumRunner[]>();
  for (const r of rows) {
    const category = r.entry?.category;
    if (r.state !== 'finished' || !category) continue;
    let places = out.get(category);
    if (!places) out.set(category, (places = []));
    if (places.length < size) places.push({ id: r.id, bib: r.bib, name: r.name, club: r.entry?.club ?? null, time: r.finish });
  }
  return [...out].map(([category, places]) => ({ category, places }));
}
