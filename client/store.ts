/**
 * What a view watches: a session's state, read with getSnapshot (the same object until something changed)
 * and followed with subscribe. React reads it with useSyncExternalStore (components/useStore.ts); tests and
 * scripts call the two methods themselves.
 */
export interface Store<S> {
  /** Bound to its store (an arrow property), so React may call it detached. */
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => S;
}

/** The listeners of a store. */
export class Listeners {
  private readonly set = new Set<() => void>();

  add(listener: () => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  notify(): void {
    for (const l of [...this.set]) l();
  }
}
