/** What a test subscriber has received so far, and a way to wait for more. */
export interface Collected<T> {
  /** Every payload's data, in order. */
  readonly received: T[];
  /** Errors the server sent, in order. */
  readonly errors: unknown[];
  /** Resolves once `count` payloads have arrived; rejects after `timeoutMs` saying what did arrive (or, with `failOnError`, at the first error). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Tells waiters something arrived. */
  wake(): void;
}

export function collected<T>({ failOnError }: { failOnError: boolean }): Collected<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  return {
    received,
    errors,
    wake: () => waiters.forEach((wake) => wake()),
    waitFor(count, timeoutMs = 5000) {
      return new Promise<T[]>((resolve, reject) => {
        const check = () => {
          if (received.length >= count) {
            cleanup();
            resolve(received.slice(0, count));
          } else if (failOnError && errors.length > 0) {
            cleanup();
            reject(new Error(`subscription failed: ${JSON.stringify(errors)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`expected ${count} results within ${timeoutMs} ms, got ${received.length}: ${JSON.stringify(received)}; errors: ${JSON.stringify(errors)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
