/**
 * Watches each database replica once a second over its own monitor connection (never the
 * pool), so that health checks, metrics and read routing learn of a replica that stopped
 * answering within a few seconds (refused or lost: at once; no answer: two checks in a row), and /health/ready and /metrics answer from what was last
 * seen instead of waiting on a frozen replica.
 *
 * Lag: a replica that has replayed all it received is 0 behind. One that has not is behind by
 * at most the time since it was last seen caught up, and by at most the age of the last
 * transaction it replayed (after a quiet hour that age is an hour, so it alone would overstate).
 */
import { classifyDatabaseFailure } from "./failures.ts";
import type { DatabaseMonitor } from "./monitor.ts";

export interface WatchedReplica {
  readonly name: string;
  readonly monitor: DatabaseMonitor;
}

export interface ReplicaReport {
  readonly name: string;
  /** Whether it answered the last check. */
  readonly answering: boolean;
  /** Why it did not, when it did not. */
  readonly error?: string;
  /** Seconds its replay is behind (null when it does not answer). */
  readonly lagSeconds: number | null;
}

export interface ReplicaWatch {
  /** What the last check of each replica found. */
  reports(): readonly ReplicaReport[];
  stop(): void;
}

export function watchReplicas(
  replicas: readonly WatchedReplica[],
  { intervalMs = 1000, onUnreachable }: { intervalMs?: number; onUnreachable: (name: string, error: unknown) => void },
): ReplicaWatch {
  const state = new Map(replicas.map(({ name }) => [name, { answering: true, error: undefined as string | undefined, lagSeconds: 0, caughtUpAt: Date.now(), checking: false, failedInARow: 0 }]));
  const check = async ({ name, monitor }: WatchedReplica) => {
    const current = state.get(name)!;
    if (current.checking) return; // the previous check is still waiting for its answer
    current.checking = true;
    try {
      const { caughtUp, sinceLastReplaySeconds } = await monitor.replicationState();
      const now = Date.now();
      if (caughtUp) current.caughtUpAt = now;
      Object.assign(current, { answering: true, error: undefined, failedInARow: 0, lagSeconds: caughtUp ? 0 : Math.min(sinceLastReplaySeconds, (now - current.caughtUpAt) / 1000) });
    } catch (error) {
      Object.assign(current, { answering: false, error: error instanceof Error ? error.message : String(error), lagSeconds: null, failedInARow: current.failedInARow + 1 });
      // Refused or lost is unreachable at once; one slow answer (a busy replica, a busy machine) is not yet.
      if (classifyDatabaseFailure(error)?.kind !== "unavailable" && current.failedInARow < 2) return;
      try {
        onUnreachable(name, error);
      } catch {
        // What the caller does about it is its own; a check never fails the process.
      }
    } finally {
      current.checking = false;
    }
  };
  const timer = replicas.length ? setInterval(() => replicas.forEach((replica) => void check(replica)), intervalMs) : undefined;
  timer?.unref();
  return {
    reports: () => replicas.map(({ name }) => {
      const { answering, error, lagSeconds } = state.get(name)!;
      return { name, answering, lagSeconds, ...(error ? { error } : {}) };
    }),
    stop: () => clearInterval(timer),
  };
}
