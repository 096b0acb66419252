/** Ending a single node-postgres connection that may not answer (a frozen or unreachable server). */
import type pg from "pg";

/** Destroys the connection's socket: queries fail at once and the server sees it gone. */
export function destroyConnection(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Ends a connection politely, or destroys its socket when the server does not answer within `ms`. */
export async function endWithin(client: pg.Client | undefined, ms: number): Promise<void> {
  if (!client) return;
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  if (!(await Promise.race([ended, late]))) destroyConnection(client);
  clearTimeout(timer);
}
