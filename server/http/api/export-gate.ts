/**
 * Exports stream from the store, but each still costs a reader and a connection for as long as it runs:
 * a few at a time for the whole server, two at a time per address. The rest are told when to come back.
 */
import { ErrorCode } from '../../../lib/protocol';
import { HttpError } from '../errors';

export class ExportGate {
  private running = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    private readonly total = 4,
    private readonly perAddress = 2,
  ) {}

  /** A slot for one export; call the returned function when it is done. */
  acquire(address: string): () => void {
    const mine = this.byAddress.get(address) ?? 0;
    if (mine >= this.perAddress) {
      throw new HttpError(429, ErrorCode.TooManyExports, 'An export from this address is still running: wait for it to finish.', { 'retry-after': '5' });
    }
    if (this.running >= this.total) {
      throw new HttpError(503, ErrorCode.ExportsBusy, 'Several exports are running: try again in a few seconds.', { 'retry-after': '5' });
    }
    this.running++;
    this.byAddress.set(address, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const n = (this.byAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.byAddress.delete(address);
      else this.byAddress.set(address, n);
    };
  }

  get active(): number {
    return this.running;
  }
}
