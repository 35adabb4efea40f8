/**
 * Runners by bib and by chip: built when first asked for and again after a change, so that a join, a claim
 * or a passing finds its runner without a scan of the field. A look-up that finds a runner whose bib or chip
 * is no longer that one is built again rather than trusted.
 */
import { bibKey } from '../../lib/course/search';
import { chipKey } from '../../lib/entries/entry';
import type { RunnerRecord } from '../storage/store';
import type { RunnerTrack } from './runner-track';

export class RunnerLookups {
  private bibs: Map<string, string> | null = null;
  private chips: Map<string, string> | null = null;

  constructor(private readonly runners: ReadonlyMap<string, RunnerTrack>) {}

  /** The runner with this bib ("007" and "7" are one bib), if any. */
  byBib(bib: string): RunnerTrack | undefined {
    this.bibs ??= this.build((r) => (r.bib ? bibKey(r.bib) : null));
    return this.found(this.bibs.get(bibKey(bib)), (r) => !!r.bib && bibKey(r.bib) === bibKey(bib));
  }

  /** The start-list runner whose entry carries this chip, if any. */
  byChip(chip: string): RunnerTrack | undefined {
    this.chips ??= this.build((r) => (r.entry?.chip ? chipKey(r.entry.chip) : null));
    return this.found(this.chips.get(chipKey(chip)), (r) => !!r.entry?.chip && chipKey(r.entry.chip) === chipKey(chip));
  }

  reindex(): void {
    this.bibs = null;
    this.chips = null;
  }

  private build(key: (r: RunnerRecord) => string | null): Map<string, string> {
    const map = new Map<string, string>();
    for (const r of this.runners.values()) {
      const k = key(r.record);
      if (k !== null && !map.has(k)) map.set(k, r.id);
    }
    return map;
  }

  private found(id: string | undefined, still: (r: RunnerRecord) => boolean): RunnerTrack | undefined {
    const r = id === undefined ? undefined : this.runners.get(id);
    if (r && still(r.record)) return r;
    if (id !== undefined) this.reindex();
    return undefined;
  }
}
